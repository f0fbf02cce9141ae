//! BM25 over chunks, plus a coverage score: the share of the question's information (by IDF) that
//! the passage contains. BM25 ranks; coverage decides whether the best passage answers at all.

use super::chunk::Chunk;
use super::tokenize::{stem, terms};
use std::collections::{BTreeMap, HashMap, HashSet};

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// A section's heading says what it is about: a question word found in it adds this share of the
/// word's IDF on top of BM25 (a simple field boost; the page title counts only as body text,
/// since every section of the page shares it).
const HEADING_BOOST: f64 = 0.6;

/// A ranked passage.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    /// The passage.
    pub chunk: &'a Chunk,
    /// Its position in the indexed list.
    pub position: usize,
    /// BM25 score (only comparable within one query).
    pub score: f64,
    /// 0–1: the IDF-weighted share of the question's terms found in the passage.
    pub coverage: f64,
    /// The question's terms the passage contains.
    pub matched: Vec<String>,
}

/// An inverted index over chunks.
#[derive(Debug, Clone)]
pub struct KnowledgeIndex {
    chunks: Vec<Chunk>,
    /// term → (chunk index, term frequency)
    postings: HashMap<String, Vec<(usize, u32)>>,
    lengths: Vec<usize>,
    /// each chunk's heading terms
    headings: Vec<HashSet<String>>,
    avg_len: f64,
    /// stemmed term → its stemmed synonyms (both directions)
    synonyms: HashMap<String, Vec<String>>,
}

impl KnowledgeIndex {
    /// Indexes chunks; `synonyms` maps a word to words that mean the same (applied both ways).
    pub fn new(chunks: Vec<Chunk>, synonyms: &BTreeMap<String, Vec<String>>) -> Self {
        let mut postings: HashMap<String, Vec<(usize, u32)>> = HashMap::new();
        let mut lengths = Vec::with_capacity(chunks.len());
        let mut headings = Vec::with_capacity(chunks.len());
        for (i, chunk) in chunks.iter().enumerate() {
            let mut tokens = terms(&chunk.text);
            tokens.extend(terms(&chunk.page_title));
            let heading = terms(chunk.heading.as_deref().unwrap_or(""));
            tokens.extend(heading.iter().cloned());
            headings.push(heading.into_iter().collect());
            lengths.push(tokens.len());
            let mut tf: HashMap<String, u32> = HashMap::new();
            for t in tokens {
                *tf.entry(t).or_default() += 1;
            }
            for (t, n) in tf {
                postings.entry(t).or_default().push((i, n));
            }
        }
        let avg_len =
            if lengths.is_empty() { 1.0 } else { lengths.iter().sum::<usize>() as f64 / lengths.len() as f64 };
        let mut syn: HashMap<String, Vec<String>> = HashMap::new();
        for (word, others) in synonyms {
            let a = stem(&word.to_lowercase());
            for other in others {
                let b = stem(&other.to_lowercase());
                syn.entry(a.clone()).or_default().push(b.clone());
                syn.entry(b).or_default().push(a.clone());
            }
        }
        Self { chunks, postings, lengths, headings, avg_len: avg_len.max(1.0), synonyms: syn }
    }

    /// Number of indexed passages.
    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    fn idf(&self, term: &str) -> f64 {
        let n = self.chunks.len() as f64;
        let df = self.postings.get(term).map_or(0, Vec::len) as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The question's distinct terms, each with its synonyms.
    fn query_groups(&self, query: &str) -> Vec<Vec<String>> {
        let mut seen = HashSet::new();
        let mut groups = Vec::new();
        for t in terms(query) {
            if seen.insert(t.clone()) {
                let mut group = vec![t.clone()];
                if let Some(s) = self.synonyms.get(&t) {
                    group.extend(s.iter().filter(|s| **s != t).cloned());
                }
                groups.push(group);
            }
        }
        groups
    }

    /// The best passages for a question, best first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit<'_>> {
        let groups = self.query_groups(query);
        if groups.is_empty() || self.chunks.is_empty() {
            return Vec::new();
        }
        let mut scores = vec![0.0f64; self.chunks.len()];
        // per chunk: which groups matched
        let mut matched: Vec<Vec<usize>> = vec![Vec::new(); self.chunks.len()];
        for (g, group) in groups.iter().enumerate() {
            // A word and its synonyms count once per passage: the best-scoring of them.
            let mut best: HashMap<usize, f64> = HashMap::new();
            for term in group {
                let Some(list) = self.postings.get(term) else {
                    continue;
                };
                let idf = self.idf(term);
                for &(i, tf) in list {
                    let tf = f64::from(tf);
                    let norm = K1 * (1.0 - B + B * self.lengths[i] as f64 / self.avg_len);
                    let mut s = idf * tf * (K1 + 1.0) / (tf + norm);
                    if self.headings[i].contains(term) {
                        s += HEADING_BOOST * idf;
                    }
                    let entry = best.entry(i).or_default();
                    *entry = entry.max(s);
                }
            }
            for (i, s) in best {
                scores[i] += s;
                matched[i].push(g);
            }
        }
        // A group weighs what its most informative known term weighs; a word the content never
        // uses weighs the most, since an answer that ignores it is likely about something else.
        let weights: Vec<f64> = groups
            .iter()
            .map(|group| {
                group
                    .iter()
                    .filter(|t| self.postings.contains_key(*t))
                    .map(|t| self.idf(t))
                    .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
                    .unwrap_or_else(|| self.idf("\u{0}never-indexed"))
            })
            .collect();
        let total: f64 = weights.iter().sum();
        let mut hits: Vec<Hit<'_>> = scores
            .iter()
            .enumerate()
            .filter(|(_, s)| **s > 0.0)
            .map(|(i, &score)| Hit {
                chunk: &self.chunks[i],
                position: i,
                score,
                coverage: matched[i].iter().map(|&g| weights[g]).sum::<f64>() / total,
                matched: matched[i].iter().map(|&g| groups[g][0].clone()).collect(),
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(limit);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(title: &str, heading: &str, text: &str) -> Chunk {
        Chunk { page_title: title.into(), heading: Some(heading.into()), url: "/x".into(), text: text.into() }
    }

    fn index() -> KnowledgeIndex {
        let chunks = vec![
            chunk("Fees", "Withdrawal fees", "- Bitcoin: 0.0002 BTC per withdrawal\n- Ethereum: 0.0015 ETH"),
            chunk("Fees", "Trading fees", "Makers pay 0.10% and takers pay 0.20% of each trade."),
            chunk("Deposits", "Deposit times", "Bitcoin deposits are credited after 2 confirmations."),
            chunk("Security", "Two-factor authentication", "Turn on 2FA in Settings. To reset 2FA contact support."),
        ];
        let mut syn = BTreeMap::new();
        syn.insert("btc".to_string(), vec!["bitcoin".to_string()]);
        KnowledgeIndex::new(chunks, &syn)
    }

    #[test]
    fn ranks_the_section_that_answers_first() {
        let idx = index();
        let hits = idx.search("What are the withdrawal fees for bitcoin?", 3);
        assert_eq!(hits[0].chunk.heading.as_deref(), Some("Withdrawal fees"));
        assert!(hits[0].coverage > 0.99, "{}", hits[0].coverage);
        assert!(hits[0].score > hits[1].score);
    }

    #[test]
    fn synonyms_apply_both_ways() {
        let idx = index();
        let hits = idx.search("btc withdrawal", 1);
        assert_eq!(hits[0].chunk.heading.as_deref(), Some("Withdrawal fees"));
        assert!(hits[0].coverage > 0.99);
    }

    #[test]
    fn unrelated_questions_have_low_coverage() {
        let idx = index();
        let hits = idx.search("What is the capital of France?", 3);
        assert!(hits.is_empty());
        let hits = idx.search("Can I buy a Tesla with bitcoin?", 3);
        assert!(hits.iter().all(|h| h.coverage < 0.5), "{:?}", hits.iter().map(|h| h.coverage).collect::<Vec<_>>());
    }

    #[test]
    fn empty_queries_and_indexes_find_nothing() {
        assert!(index().search("what is the", 3).is_empty());
        assert!(KnowledgeIndex::new(vec![], &BTreeMap::new()).search("bitcoin", 3).is_empty());
    }
}
