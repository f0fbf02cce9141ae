//! The built-in engine: answers only with the owner's own passages, cites them, and says it does
//! not know when no passage covers the question. Works offline, with no model.

use super::engine::{AnswerEngine, Passage, Question, Reply};
use super::smalltalk::{classify, SmallTalk};
use crate::knowledge::follow_up::{builds_on_previous, follow_up, in_context};
use crate::knowledge::query::GroupKind;
use crate::knowledge::tokenize::terms;
use crate::knowledge::{chunk_documents, excerpt, Excerpt, Hit, KnowledgeIndex, Query};
use shared::site::{SiteBundle, Tone};
use shared::Source;

/// A second passage is added when it scores at least this share of the best one and answers a
/// part of the question the best one does not.
const SECOND_PASSAGE_RATIO: f64 = 0.8;
/// A passage whose heading the question names at least this much ([`Hit::heading_named`])…
const HEADING_NAMED: f64 = 0.9;
/// …answers when its coverage reaches this share of the answering threshold: the visitor named
/// the section's subject and told more besides ("my package has been stuck in the same city for
/// a week according to the tracking" → "Tracking your parcel").
const NAMED_HEADING_SHARE: f64 = 0.3;
/// Passages longer than this are cut to their lines that mention the question.
const MAX_PASSAGE_CHARS: usize = 700;

/// Grounded answers by retrieval.
#[derive(Debug, Clone)]
pub struct BuiltinEngine {
    index: KnowledgeIndex,
    min_confidence: f64,
    fallback: String,
    tone: Tone,
    /// What to suggest for an empty question: the site's own page titles.
    topics: Vec<String>,
}

impl BuiltinEngine {
    /// Builds the engine (and its index) for a site.
    pub fn new(site: &SiteBundle) -> Self {
        let a = &site.agent.answering;
        Self {
            index: KnowledgeIndex::new(chunk_documents(&site.knowledge), &a.synonyms).with_thesaurus(&site.thesaurus),
            min_confidence: a.min_confidence,
            fallback: a.fallback.clone(),
            tone: site.agent.tone,
            topics: site.knowledge.iter().take(4).map(|d| d.title.clone()).collect(),
        }
    }

    /// The reply, computed synchronously (the trait's async form wraps this).
    pub fn answer(&self, text: &str) -> Reply {
        if let Some(kind) = classify(text) {
            return social(kind);
        }
        self.answer_query(&self.index.read(text))
    }

    /// The reply to `text` in a conversation whose visitor last asked `previous`: a follow-up
    /// ("and to Mexico?") is read as that question with what it changes.
    pub fn answer_after(&self, text: &str, previous: Option<&str>) -> Reply {
        // "and thanks!" is small talk, not the last question again.
        if let Some(kind) = classify(text).or_else(|| follow_up(text).and_then(|(_, object)| classify(&object))) {
            return social(kind);
        }
        match previous.and_then(|previous| in_context(&self.index, previous, text)) {
            Some(query) => self.answer_query(&query),
            None => self.answer(text),
        }
    }

    /// The reply to a question already read.
    fn answer_query(&self, query: &Query) -> Reply {
        let query = query.clone();
        if !query.has_topic() {
            // Suggest the site's own topics, never another business's.
            let ask = match self.topics.as_slice() {
                [] => "Could you tell me a bit more about what you need?".to_string(),
                topics => {
                    format!("Could you tell me a bit more about what you need? I can help with: {}.", topics.join(", "))
                }
            };
            return ungrounded(&ask);
        }
        let hits = self.index.search_query(&query, 3);
        let confident: Vec<&Hit<'_>> = hits.iter().filter(|h| self.answers(h)).collect();
        let Some(best) = confident.first() else {
            return ungrounded(&self.fallback);
        };
        let mut chosen = vec![*best];
        // A second section only for a part of the question the first does not answer.
        if let Some(second) = confident.get(1) {
            let adds = second
                .credits
                .iter()
                .zip(&best.credits)
                .zip(&query.groups)
                .any(|((s, b), g)| g.group.kind == GroupKind::Topic && *s > 0.0 && *b == 0.0);
            if adds && second.score >= best.score * SECOND_PASSAGE_RATIO && second.chunk.url != best.chunk.url {
                chosen.push(second);
            }
        }
        let intro = match self.tone {
            Tone::Friendly => "Here's what our help pages say:\n\n",
            Tone::Formal => "According to our documentation:\n\n",
            Tone::Concise => "",
        };
        let mut text = intro.to_string();
        for (i, hit) in chosen.iter().enumerate() {
            if i > 0 {
                text.push_str("\n\n");
            }
            let title = hit.chunk.heading.as_deref().unwrap_or(&hit.chunk.page_title);
            match excerpt(hit.chunk, &query) {
                // The pieces that answer, and where the rest is.
                Excerpt::Units(units) => {
                    let label = title.replace('[', "(").replace(']', ")");
                    text.push_str(&format!("{units}\n\nMore in [{label}]({}).", hit.chunk.url));
                }
                Excerpt::Section(section) => {
                    if chosen.len() > 1 || hit.chunk.heading.is_some() {
                        text.push_str(&format!("**{title}**\n"));
                    }
                    text.push_str(&passage(&section, &query));
                }
            }
        }
        let sources =
            chosen.iter().map(|h| Source { title: h.chunk.citation_title(), url: h.chunk.url.clone() }).collect();
        Reply { sources, grounded: true, ..Reply::say(text) }
    }
}

impl BuiltinEngine {
    /// The question a follow-up builds on: the visitor's last one that did not build on another,
    /// so "and to Spain?" after "and to Mexico?" still asks about shipping.
    fn previous_question<'m>(&self, history: &'m [shared::Message]) -> Option<&'m str> {
        history
            .iter()
            .rev()
            .filter(|m| m.author == shared::Author::Visitor)
            .find(|m| !builds_on_previous(&self.index, &m.text))
            .map(|m| m.text.as_str())
    }

    /// Whether a passage answers: it covers enough of the question, or the question names its
    /// heading and covers some of it.
    fn answers(&self, hit: &Hit<'_>) -> bool {
        hit.coverage >= self.min_confidence
            || (hit.heading_named >= HEADING_NAMED && hit.coverage >= self.min_confidence * NAMED_HEADING_SHARE)
    }
}

impl AnswerEngine for BuiltinEngine {
    async fn reply(&self, question: Question<'_>) -> Vec<Reply> {
        vec![self.answer_after(question.text, self.previous_question(question.history))]
    }

    fn coverage(&self, question: &str) -> f64 {
        self.index.search(question, 1).first().map_or(0.0, |h| h.coverage)
    }

    fn passages(&self, question: Question<'_>, limit: usize) -> Vec<Passage> {
        let query = self
            .previous_question(question.history)
            .and_then(|previous| in_context(&self.index, previous, question.text))
            .unwrap_or_else(|| self.index.read(question.text));
        // Half the answering threshold: the model reads more than the engine would quote, and
        // says so when none of it answers.
        let floor = self.min_confidence / 2.0;
        self.index
            .search_query(&query, limit)
            .into_iter()
            .filter(|h| h.coverage >= floor)
            .map(|h| Passage {
                source: Source { title: h.chunk.citation_title(), url: h.chunk.url.clone() },
                text: h.chunk.text.clone(),
            })
            .collect()
    }
}

fn social(kind: SmallTalk) -> Reply {
    ungrounded(match kind {
        SmallTalk::Greeting => "Hello! What can I help you with today?",
        SmallTalk::Thanks => "You're welcome! Is there anything else I can help with?",
        SmallTalk::Goodbye => "Goodbye — come back any time you have a question.",
    })
}

fn ungrounded(text: &str) -> Reply {
    Reply::say(text)
}

/// The passage, or for a long one the lines that mention the question's terms (in order).
fn passage(text: &str, query: &Query) -> String {
    if text.chars().count() <= MAX_PASSAGE_CHARS {
        return text.to_string();
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let hits_in = |line: &str| query.credits(&terms(line).into_iter().collect()).iter().filter(|c| **c > 0.0).count();
    let mut ranked: Vec<(usize, usize)> = lines.iter().enumerate().map(|(i, l)| (hits_in(l), i)).collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut keep = Vec::new();
    let mut used = 0;
    for (score, i) in ranked {
        if score == 0 && !keep.is_empty() {
            break;
        }
        if used + lines[i].len() > MAX_PASSAGE_CHARS && !keep.is_empty() {
            continue;
        }
        used += lines[i].len();
        keep.push(i);
    }
    keep.sort_unstable();
    keep.iter().map(|&i| lines[i]).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteBundle {
        let agent = "site_id = \"t\"\nname = \"Nova\"\ngreeting = \"Hi\"\n[answering]\nfallback = \"I don't know that.\"\nsynonyms = { btc = [\"bitcoin\"] }";
        let fees = "+++\ntitle = \"Fees\"\nurl = \"/fees\"\n+++\n## Withdrawal fees\n- **Bitcoin (BTC)**: 0.0002 BTC\n- **Ether (ETH)**: 0.0015 ETH\n\n## Trading fees\nMakers pay 0.10%, takers 0.20%.";
        let kyc = "+++\ntitle = \"Verification\"\nurl = \"/kyc\"\n+++\n## Verification levels\nLevel 1 needs an ID document and a selfie.";
        SiteBundle::from_files(
            agent,
            &[("knowledge/fees.md".into(), fees.into()), ("knowledge/kyc.md".into(), kyc.into())],
        )
        .unwrap()
    }

    #[test]
    fn an_empty_question_is_answered_with_the_sites_own_topics() {
        let r = BuiltinEngine::new(&site()).answer("??");
        assert!(r.text.contains("I can help with: Fees, Verification."), "{}", r.text);
        assert!(!r.text.to_lowercase().contains("bitcoin"), "{}", r.text);
    }

    #[test]
    fn answers_from_the_content_and_cites_it() {
        let r = BuiltinEngine::new(&site()).answer("what are the withdrawal fees for bitcoin?");
        assert!(r.grounded);
        assert!(r.text.contains("0.0002 BTC"), "{}", r.text);
        assert_eq!(
            r.sources,
            vec![Source { title: "Fees › Withdrawal fees".into(), url: "/fees#withdrawal-fees".into() }]
        );
    }

    #[test]
    fn a_hyphenated_word_and_the_same_word_written_as_one_find_each_other() {
        let agent = "site_id = \"t\"\nname = \"T\"\ngreeting = \"Hi\"\n[answering]\nfallback = \"I don't know that.\"";
        let pages = vec![
            ("knowledge/account.md".to_string(), "# Account\n## Changing your email\nOpen Settings and type the new address; we send a link to confirm it.".to_string()),
            ("knowledge/login.txt".to_string(), "Logging in\nHow to get into your account.\n\nSign-in problems\nReset your password from the sign-in page; the link lasts 20 minutes.".to_string()),
        ];
        let engine = BuiltinEngine::new(&SiteBundle::from_files(agent, &pages).unwrap());
        let r = engine.answer("How do I change my e-mail?");
        assert!(r.grounded && r.text.contains("Settings"), "{}", r.text);
        let r = engine.answer("I can't signin, what do I do?");
        assert!(r.grounded && r.text.contains("20 minutes"), "{}", r.text);
        assert_eq!(r.sources[0].url, "/login#sign-in-problems", "the text page's heading is a section");
    }

    #[test]
    fn an_everyday_verb_does_not_make_a_covered_question_unanswerable() {
        let engine = BuiltinEngine::new(&crate::test_support::shop_site());
        for (question, page) in
            [("How do returns work?", "/help/returns"), ("What happens if my parcel is lost?", "/help/orders")]
        {
            let r = engine.answer(question);
            assert!(r.grounded && r.sources[0].url.starts_with(page), "{question}: {:?} {}", r.sources, r.text);
        }
    }

    #[test]
    fn a_follow_up_keeps_the_previous_questions_topic() {
        let engine = BuiltinEngine::new(&crate::test_support::demo_site());
        // Alone, "and for ETH?" is answered with the withdrawal fee; after a question about
        // deposit times it asks for ETH's deposit time.
        assert!(engine.answer("and for ETH?").text.contains("0.0015 ETH"));
        let next = engine.answer_after("and for ETH?", Some("How long do bitcoin deposits take?"));
        assert!(next.grounded && next.text.contains("12 confirmations"), "{}", next.text);
        assert!(!next.text.contains("0.0015 ETH"), "{}", next.text);
        // A follow-up of a follow-up builds on the question before both.
        let said = |id: &str, text: &str| {
            crate::store::NewMessage::visitor(shared::MessageId::parse(id).unwrap(), text.into(), id.into(), 0)
                .to_message()
        };
        let history = [said("m1", "How long do bitcoin deposits take?"), said("m2", "and for Solana?")];
        let chained = crate::api::tests::block_on(engine.reply(Question { text: "and for ETH?", history: &history }));
        assert!(chained[0].text.contains("12 confirmations"), "{}", chained[0].text);
        // Small talk that opens like one is small talk.
        let thanks = engine.answer_after("and thanks!", Some("How long do bitcoin deposits take?"));
        assert!(!thanks.grounded, "{}", thanks.text);
        // Not a follow-up: answered as it stands.
        let other = engine.answer_after("How do I verify my account?", Some("What are the withdrawal fees for BTC?"));
        assert!(!other.text.contains("ETH per withdrawal"), "{}", other.text);
    }

    #[test]
    fn a_question_that_names_a_sections_heading_is_answered_whatever_else_it_tells() {
        let agent = "site_id = \"t\"\nname = \"T\"\ngreeting = \"Hi\"\n[answering]\nfallback = \"I don't know that.\"";
        let page = "# Help\n## Parking\nThe car park behind the building is free for two hours.\n\n## Opening hours\nWe open at 8 am on weekdays and close at 6 pm. Same-day slots open at 7 am.\n\n## Week planner\nBook a week ahead in the city branch.";
        let site = SiteBundle::from_files(agent, &[("knowledge/help.md".into(), page.into())]).unwrap();
        let engine = BuiltinEngine::new(&site);
        // Most of the question is the visitor's story; it names the section it is about.
        let long = "Is there parking? I'll be there with my mum.";
        let r = engine.answer(long);
        assert!(r.grounded && r.text.contains("two hours"), "{}", r.text);
        let hit = &engine.index.search(long, 1)[0];
        assert!(hit.coverage < 0.5 && hit.heading_named > 0.99, "{} {}", hit.coverage, hit.heading_named);
    }

    #[test]
    fn says_it_does_not_know_instead_of_inventing() {
        let engine = BuiltinEngine::new(&site());
        for q in ["What is the capital of France?", "Can I buy a Tesla with bitcoin?", "recipe for pancakes"] {
            let r = engine.answer(q);
            assert!(!r.grounded, "{q}: {}", r.text);
            assert_eq!(r.text, "I don't know that.");
            assert!(r.sources.is_empty());
        }
    }

    #[test]
    fn small_talk_and_empty_questions() {
        let engine = BuiltinEngine::new(&site());
        assert!(engine.answer("hello").text.starts_with("Hello!"));
        assert!(engine.answer("what is the?").text.contains("tell me a bit more"));
    }

    #[test]
    fn a_short_answer_quotes_the_line_that_answers_and_links_the_section() {
        let r = BuiltinEngine::new(&site()).answer("what are the withdrawal fees for bitcoin?");
        assert!(r.text.contains("- **Bitcoin (BTC)**: 0.0002 BTC"), "{}", r.text);
        assert!(!r.text.contains("0.0015 ETH"), "{}", r.text);
        assert!(r.text.ends_with("More in [Withdrawal fees](/fees#withdrawal-fees)."), "{}", r.text);
    }

    #[test]
    fn a_table_row_is_answered_as_a_line_the_chat_draws() {
        let agent = "site_id = \"t\"\nname = \"Pip\"\ngreeting = \"Hi\"\n";
        let shipping = "# Shipping\n## Delivery times and costs\n| Method | Delivery time | Cost |\n|---|---|---|\n| Standard | 3–5 business days | $5.95 |\n| Express | 1–2 business days | $19.95 |\n\n## Where we ship\nWe deliver to Canada.";
        let site = SiteBundle::from_files(agent, &[("knowledge/shipping.md".into(), shipping.into())]).unwrap();
        let engine = BuiltinEngine::new(&site);
        let r = engine.answer("how much is express delivery?");
        assert!(r.text.contains("- Express: Delivery time 1–2 business days, Cost $19.95"), "{}", r.text);
        assert!(!r.text.contains("Standard") && !r.text.contains('|'), "{}", r.text);
        let drawn = shared::markdown::parse(&r.text);
        assert!(drawn.iter().any(|b| matches!(b, shared::markdown::Block::List { items, .. } if items.len() == 1)));
        // Asked in the heading's own terms, the whole table answers, drawn as rows.
        let r = engine.answer("How long does delivery take?");
        assert!(r.text.contains("- Standard: Delivery time") && r.text.contains("- Express:"), "{}", r.text);
        assert!(!r.text.contains('|') && !r.text.contains("More in"), "{}", r.text);
    }

    #[test]
    fn visitors_words_meet_the_pages_without_synonyms() {
        let agent =
            "site_id = \"t\"\nname = \"Pip\"\ngreeting = \"Hi\"\n[answering]\nfallback = \"I don't know that.\"";
        let returns = "# Returns\n## Refunds\nWe refund your payment within 5 business days.\n\n## Return window\nReturn items within 60 days.";
        let site = SiteBundle::from_files(agent, &[("knowledge/returns.md".into(), returns.into())]).unwrap();
        let engine = BuiltinEngine::new(&site);
        let r = engine.answer("When will I get my money back?");
        assert_eq!(r.sources[0].url, "/returns#refunds", "{}", r.text);
        assert_eq!(engine.answer("Do you sell bicycles?").text, "I don't know that.");
    }

    #[test]
    fn long_passages_keep_the_relevant_lines() {
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&format!("- Coin{i}: filler words here\n"));
        }
        text.push_str("- Dogecoin withdrawal: 5 DOGE\n");
        let index = KnowledgeIndex::new(Vec::new(), &Default::default());
        let out = passage(&text, &index.read("dogecoin"));
        assert!(out.contains("5 DOGE"));
        assert!(out.chars().count() <= MAX_PASSAGE_CHARS);
    }
}
