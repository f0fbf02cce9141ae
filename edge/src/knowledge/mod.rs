//! The owner's content made searchable: chunking, tokenising and BM25 ranking with a coverage
//! score that tells the agent whether a passage really answers the question; questions read with
//! their form and a general support lexicon; sections cut into sentences, list items and table
//! rows for short answers.

pub mod chunk;
pub mod excerpt;
pub mod follow_up;
pub mod index;
pub mod lexicon;
pub mod query;
pub mod question;
pub mod tokenize;
pub mod units;

pub use chunk::{chunk_documents, Chunk};
pub use excerpt::{excerpt, Excerpt};
pub use index::{Hit, KnowledgeIndex, Query};
