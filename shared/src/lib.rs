//! Switchboard's vocabulary: the wire types the widget and the edge exchange, the site owner's
//! configuration, and the pure logic both sides need. Compiles natively and to wasm.

pub mod action;
pub mod action_check;
pub mod action_run;
pub mod allowlist;
pub mod api;
pub mod attachment;
pub mod canned;
pub mod condition;
pub mod console;
pub mod embed;
pub mod form;
pub mod format;
pub mod handoff;
pub mod ids;
#[cfg(feature = "import")]
pub mod import;
pub mod inbox;
pub mod input;
pub mod labels;
pub mod live;
pub mod llm;
pub mod markdown;
pub mod message;
pub mod net;
pub mod number;
pub mod page;
pub mod pattern;
pub mod report;
pub mod satisfaction;
pub mod site;
pub mod site_dir;
pub mod template;
#[cfg(feature = "thesaurus")]
pub mod thesaurus;
pub mod time;

pub use api::{ApiErrorBody, ErrorCode};
pub use attachment::Attachment;
pub use ids::{ClientMessageId, ConversationId, IdError, MessageId};
pub use message::{ActionOutcome, ActionStatus, Author, ButtonAct, ButtonCard, FormCard, Message, Source, Submission};
