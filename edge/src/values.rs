//! A leaf: the template values every conversation has (`{{conversation.id}}`, `{{lead.email}}`,
//! `{{message.content}}`…), read by a turn, a form, the lead card and a handoff alike.

use crate::agent::sentiment::sentiment;
use crate::store::ConversationRecord;
use shared::site::SiteBundle;
use shared::template::{TemplateVar, Values};

/// The fixed template variables of this conversation and message.
pub fn conversation_values(site: &SiteBundle, record: &ConversationRecord, text: &str) -> Values {
    let mut values = Values::new();
    values.insert(TemplateVar::ConversationId, record.id.to_string());
    values.insert(TemplateVar::ConversationChannel, "web".into());
    values.insert(TemplateVar::MessageContent, text.to_string());
    values.insert(TemplateVar::MessageSentiment, sentiment(text).into());
    values.insert(TemplateVar::AgentId, site.agent.site_id.clone());
    if let Some(u) = &record.user_id {
        values.insert(TemplateVar::ConversationUserId, u.clone());
    }
    if let Some(e) = &record.lead.email {
        values.insert(TemplateVar::LeadEmail, e.clone());
    }
    if let Some(n) = &record.lead.name {
        values.insert(TemplateVar::LeadName, n.clone());
    }
    for (k, v) in &record.attributes {
        values.insert(TemplateVar::Attribute(k.clone()), v.clone());
    }
    values
}
