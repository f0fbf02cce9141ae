//! The owner's content made searchable: chunking, tokenising and BM25 ranking with a coverage
//! score that tells the agent whether a passage really answers the question; questions read with
//! their form and a general support lexicon.

pub mod chunk;
pub mod index;
pub mod lexicon;
pub mod query;
pub mod question;
pub mod tokenize;

pub use chunk::{chunk_documents, Chunk};
pub use index::{Hit, KnowledgeIndex, Query};
