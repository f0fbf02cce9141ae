//! BM25 over chunks, plus a coverage score: the share of the question's topic (by IDF) that the
//! passage contains. BM25 ranks; coverage decides whether the best passage answers at all.
//!
//! A question is read by [`parse_question`]: its topic words and phrases, each with the terms
//! that may stand for it (the owner's synonyms, the built-in lexicon, and here other words of
//! the content that share its stem's beginning, "deliv" ~ "deliveri"), and its form, which ranks
//! but never counts as coverage.

use super::chunk::Chunk;
use super::lexicon::Lexicon;
use super::query::{parse_question, Alternative, Group, GroupKind, THESAURUS};
use super::question::{find_forms, QuestionForm};
use super::tokenize::{spoken_words, terms};
use std::collections::{BTreeMap, HashMap, HashSet};

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// A section's heading says what it is about: a question word found in it adds this share of the
/// word's IDF on top of BM25 (a simple field boost; the page title counts only as body text,
/// since every section of the page shares it).
const HEADING_BOOST: f64 = 0.6;
/// A question's form ("how long") multiplies a passage's topic score by up to 1 + this: it breaks
/// ties between passages about the topic and never outweighs the topic itself.
const FORM_BOOST: f64 = 1.0;
/// How much of the form boost one of the form's answer words gives, in the heading and in the text
/// (a heading asked in the same form gives all of it).
const FORM_IN_HEADING: f64 = 0.5;
const FORM_IN_TEXT: f64 = 0.15;
/// The text alone gives at most this much: the heading says what a section is about.
const FORM_TEXT_CAP: f64 = 0.45;
/// What a content word sharing the beginning of a question word's stem is worth ("delivered" →
/// "deliv" for "delivery" → "deliveri"): the stemmer leaves such pairs apart.
const SAME_ROOT: f64 = 0.9;
/// Shortest stem that may meet another by its beginning, and the most letters they may differ by.
const ROOT_MIN_LEN: usize = 5;
/// Share of the passages a thesaurus word may be in and still say something specific.
const SPECIFIC_SHARE: f64 = 0.25;
const ROOT_MAX_EXTRA: usize = 4;

/// A ranked passage.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    /// The passage.
    pub chunk: &'a Chunk,
    /// Its position in the indexed list.
    pub position: usize,
    /// What ranks it: BM25 times coverage (only comparable within one query).
    pub score: f64,
    /// 0–1: the IDF-weighted share of the question's topic found in the passage, a word found only
    /// through a related term counting for that term's factor.
    pub coverage: f64,
    /// Per group of the query: what the passage's best match for it is worth (0 when absent).
    pub credits: Vec<f64>,
    /// 0–1: the IDF-weighted share of the passage's heading (or, without one, its page's title)
    /// that the question's topic names: a question that names what a section is about is about it,
    /// whatever else the visitor tells along the way.
    pub heading_named: f64,
}

/// A question's group with its weight in this index.
#[derive(Debug, Clone)]
pub struct WeightedGroup {
    /// The group, with the content's same-root words added to its alternatives.
    pub group: Group,
    /// What the group weighs in coverage: the IDF of the visitor's own word, or when the content
    /// never uses it, of its most specific relative the content uses, or else the most a word can
    /// weigh (a passage that ignores a word the site never uses is likely about something else).
    pub weight: f64,
}

/// A question read against this index.
#[derive(Debug, Clone)]
pub struct Query {
    /// Its groups, topic and form.
    pub groups: Vec<WeightedGroup>,
}

impl Query {
    /// Whether the question has a topic at all (not only a form or filler words).
    pub fn has_topic(&self) -> bool {
        self.groups.iter().any(|g| g.group.kind == GroupKind::Topic)
    }

    /// Per group: what the best alternative found among `stems` is worth (0 if none is).
    pub fn credits(&self, stems: &HashSet<String>) -> Vec<f64> {
        self.groups
            .iter()
            .map(|g| {
                g.group
                    .alternatives
                    .iter()
                    .filter(|a| a.stems.iter().all(|s| stems.contains(s)))
                    .map(|a| a.factor)
                    .fold(0.0, f64::max)
            })
            .collect()
    }

    /// The IDF-weighted share of `terms` that the question's topic names, each term counting for
    /// the best factor of an alternative that holds it.
    pub fn names(&self, terms: &[String], idf: impl Fn(&str) -> f64) -> f64 {
        let (mut got, mut total) = (0.0, 0.0);
        for term in terms {
            let weight = idf(term);
            let credit = self
                .groups
                .iter()
                .filter(|g| g.group.kind == GroupKind::Topic)
                .flat_map(|g| &g.group.alternatives)
                .filter(|a| a.stems.iter().any(|s| s == term))
                .map(|a| a.factor)
                .fold(0.0, f64::max);
            got += weight * credit;
            total += weight;
        }
        if total > 0.0 {
            got / total
        } else {
            0.0
        }
    }

    /// The coverage that per-group credits (as from [`Query::credits`]) amount to.
    pub fn coverage(&self, credits: &[f64]) -> f64 {
        let (mut got, mut total) = (0.0, 0.0);
        for (g, credit) in self.groups.iter().zip(credits) {
            if g.group.kind == GroupKind::Topic {
                got += g.weight * credit;
                total += g.weight;
            }
        }
        if total > 0.0 {
            got / total
        } else {
            0.0
        }
    }
}

/// An inverted index over chunks.
#[derive(Debug, Clone)]
pub struct KnowledgeIndex {
    chunks: Vec<Chunk>,
    /// term → (chunk index, term frequency)
    postings: HashMap<String, Vec<(usize, u32)>>,
    /// every indexed term, sorted (to find same-root words)
    vocabulary: Vec<String>,
    lengths: Vec<usize>,
    /// each chunk's heading terms
    headings: Vec<HashSet<String>>,
    /// the question forms each chunk's heading is asked in ("How long verification takes")
    heading_forms: Vec<Vec<QuestionForm>>,
    /// each chunk's heading terms (else its page title's), each once: computed here, not per search
    named_by: Vec<Vec<String>>,
    avg_len: f64,
    /// the owner's synonyms
    synonyms: Lexicon,
    /// the site's thesaurus (WordNet at build time)
    thesaurus: Lexicon,
}

impl KnowledgeIndex {
    /// Indexes chunks; `synonyms` maps a word to words that mean the same (applied both ways).
    pub fn new(chunks: Vec<Chunk>, synonyms: &BTreeMap<String, Vec<String>>) -> Self {
        let mut postings: HashMap<String, Vec<(usize, u32)>> = HashMap::new();
        let mut lengths = Vec::with_capacity(chunks.len());
        let mut headings = Vec::with_capacity(chunks.len());
        let mut heading_forms = Vec::with_capacity(chunks.len());
        let mut named_by = Vec::with_capacity(chunks.len());
        for (i, chunk) in chunks.iter().enumerate() {
            // What a question must name for `Hit::heading_named`: the heading's words, or the page
            // title's when it has none, each once.
            let mut own: Vec<String> = Vec::new();
            for t in terms(chunk.heading.as_deref().unwrap_or(&chunk.page_title)) {
                if !own.contains(&t) {
                    own.push(t);
                }
            }
            named_by.push(own);
            let mut tokens = terms(&chunk.text);
            tokens.extend(terms(&chunk.page_title));
            for about in chunk.names.iter().chain(&chunk.summary) {
                tokens.extend(terms(about));
            }
            let heading_text = chunk.heading.as_deref().unwrap_or("");
            heading_forms.push(find_forms(&spoken_words(heading_text)).into_iter().map(|f| f.form).collect());
            let mut heading = terms(heading_text);
            // A page's other names say what each of its passages is about, as a heading does.
            for name in &chunk.names {
                heading.extend(terms(name));
            }
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
        let mut vocabulary: Vec<String> = postings.keys().cloned().collect();
        vocabulary.sort_unstable();
        Self {
            chunks,
            postings,
            vocabulary,
            lengths,
            headings,
            heading_forms,
            named_by,
            avg_len: avg_len.max(1.0),
            synonyms: Lexicon::from_synonyms(synonyms),
            thesaurus: Lexicon::default(),
        }
    }

    /// With the site's thesaurus: a visitor's word the pages do not use finds the page words it
    /// may stand for (`SiteBundle::thesaurus`).
    pub fn with_thesaurus(mut self, thesaurus: &BTreeMap<String, Vec<String>>) -> Self {
        self.thesaurus = Lexicon::from_thesaurus(thesaurus);
        self
    }

    /// Number of indexed passages.
    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Whether a term is found in at most [`SPECIFIC_SHARE`] of the passages.
    fn specific(&self, term: &str) -> bool {
        let df = self.postings.get(term).map_or(0, Vec::len) as f64;
        df <= (self.chunks.len() as f64 * SPECIFIC_SHARE).max(1.0)
    }

    fn idf(&self, term: &str) -> f64 {
        let n = self.chunks.len() as f64;
        let df = self.postings.get(term).map_or(0, Vec::len) as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The IDF of an alternative the content uses (its most specific word), or `None`.
    fn known_idf(&self, alt: &Alternative) -> Option<f64> {
        alt.stems
            .iter()
            .all(|s| self.postings.contains_key(s))
            .then(|| alt.stems.iter().map(|s| self.idf(s)).fold(0.0, f64::max))
    }

    /// Content words sharing the beginning of `stem` ("deliv" → "deliveri"), not `stem` itself.
    fn same_root(&self, stem: &str) -> Vec<String> {
        if stem.chars().count() < ROOT_MIN_LEN {
            return Vec::new();
        }
        let from = self.vocabulary.partition_point(|v| v.as_str() < stem);
        let longer = self.vocabulary[from..]
            .iter()
            .take_while(|v| v.starts_with(stem))
            .filter(|v| v.len() > stem.len() && v.len() - stem.len() <= ROOT_MAX_EXTRA);
        let shorter = (ROOT_MIN_LEN..stem.len())
            .filter(|&n| stem.len() - n <= ROOT_MAX_EXTRA && stem.is_char_boundary(n))
            .map(|n| &stem[..n])
            .filter(|p| self.postings.contains_key(*p));
        longer.cloned().chain(shorter.map(str::to_string)).collect()
    }

    /// Reads a question against this index: groups with their same-root words and weights.
    pub fn read(&self, question: &str) -> Query {
        let unknown = self.idf("\u{0}never-indexed");
        let groups = parse_question(question, &self.synonyms, &self.thesaurus)
            .into_iter()
            .map(|mut group| {
                // A thesaurus word the site uses everywhere says nothing specific ("tomorrow" →
                // "day"): only one that stands out in this site's passages is kept.
                group.alternatives.retain(|a| a.factor != THESAURUS || a.stems.iter().all(|s| self.specific(s)));
                let roots: Vec<Alternative> = group
                    .alternatives
                    .iter()
                    .filter(|a| a.stems.len() == 1)
                    .flat_map(|a| {
                        let factor = a.factor * SAME_ROOT;
                        self.same_root(&a.stems[0]).into_iter().map(move |s| Alternative { stems: vec![s], factor })
                    })
                    .collect();
                for root in roots {
                    match group.alternatives.iter_mut().find(|a| a.stems == root.stems) {
                        Some(known) => known.factor = known.factor.max(root.factor),
                        None => group.alternatives.push(root),
                    }
                }
                // A thesaurus word never makes the visitor's own word weigh less: what the pages do
                // not say stays as heavy as anything unknown unless they say it.
                let weight = self.known_idf(&group.alternatives[0]).unwrap_or_else(|| {
                    let said = group.alternatives.iter().filter(|a| a.factor != THESAURUS);
                    said.filter_map(|a| self.known_idf(a)).reduce(f64::max).unwrap_or(unknown)
                });
                WeightedGroup { group, weight }
            })
            .collect();
        Query { groups }
    }

    /// Where an alternative occurs: per chunk that contains all its stems, BM25's term-frequency
    /// part (averaged over its stems, without IDF) and whether the heading has them all.
    fn occurrences(&self, alt: &Alternative) -> HashMap<usize, (f64, bool)> {
        let mut found: Option<HashMap<usize, (f64, bool)>> = None;
        for stem in &alt.stems {
            let Some(list) = self.postings.get(stem) else {
                return HashMap::new();
            };
            let here: HashMap<usize, (f64, bool)> = list
                .iter()
                .map(|&(i, tf)| {
                    let tf = f64::from(tf);
                    let norm = K1 * (1.0 - B + B * self.lengths[i] as f64 / self.avg_len);
                    (i, (tf * (K1 + 1.0) / (tf + norm), self.headings[i].contains(stem)))
                })
                .collect();
            found = Some(match found {
                None => here,
                Some(prev) => prev
                    .into_iter()
                    .filter_map(|(i, (s, h))| here.get(&i).map(|(t, g)| (i, (s + t, h && *g))))
                    .collect(),
            });
        }
        let n = alt.stems.len().max(1) as f64;
        found.unwrap_or_default().into_iter().map(|(i, (s, h))| (i, (s / n, h))).collect()
    }

    /// The best passages for a question, best first.
    pub fn search(&self, question: &str, limit: usize) -> Vec<Hit<'_>> {
        self.search_query(&self.read(question), limit)
    }

    /// The best passages for a question already read, best first. Only passages that contain
    /// some of its topic are returned.
    pub fn search_query(&self, query: &Query, limit: usize) -> Vec<Hit<'_>> {
        if !query.has_topic() || self.chunks.is_empty() {
            return Vec::new();
        }
        let mut scores = vec![0.0f64; self.chunks.len()];
        let mut form_in_heading = vec![0.0f64; self.chunks.len()];
        let mut form_in_text = vec![0.0f64; self.chunks.len()];
        let mut credits = vec![vec![0.0f64; query.groups.len()]; self.chunks.len()];
        for (g, weighted) in query.groups.iter().enumerate() {
            if let GroupKind::Form(form) = weighted.group.kind {
                // A heading asked in the same form ("How long verification takes") is about it.
                for (i, forms) in self.heading_forms.iter().enumerate() {
                    if forms.contains(&form) {
                        form_in_heading[i] += 1.0;
                    }
                }
                for alt in &weighted.group.alternatives {
                    for (i, (_, in_heading)) in self.occurrences(alt) {
                        if in_heading {
                            form_in_heading[i] += FORM_IN_HEADING;
                        } else {
                            form_in_text[i] += FORM_IN_TEXT;
                        }
                        credits[i][g] = 1.0;
                    }
                }
                continue;
            }
            // A group counts once per passage, by its best alternative there, and every alternative
            // weighs as the group does: a rarer relative must not outscore the visitor's own word.
            let mut best: HashMap<usize, (f64, f64)> = HashMap::new();
            for alt in &weighted.group.alternatives {
                for (i, (tf, in_heading)) in self.occurrences(alt) {
                    let s = weighted.weight * (tf + if in_heading { HEADING_BOOST } else { 0.0 }) * alt.factor;
                    let entry = best.entry(i).or_default();
                    entry.0 = entry.0.max(s);
                    entry.1 = entry.1.max(alt.factor);
                }
            }
            for (i, (s, credit)) in best {
                scores[i] += s;
                credits[i][g] = credit;
            }
        }
        for (i, score) in scores.iter_mut().enumerate() {
            let strength = form_in_heading[i] + form_in_text[i].min(FORM_TEXT_CAP);
            *score *= 1.0 + FORM_BOOST * strength.min(1.0);
        }
        let topical =
            |i: usize| query.groups.iter().zip(&credits[i]).any(|(g, c)| g.group.kind == GroupKind::Topic && *c > 0.0);
        let mut hits: Vec<Hit<'_>> = (0..self.chunks.len())
            .filter(|&i| topical(i))
            .map(|i| {
                let coverage = query.coverage(&credits[i]);
                // BM25 says how strongly a passage speaks of what it matches; coverage how much of
                // the question that is. A passage that answers all of it beats a louder one that
                // answers half.
                Hit {
                    chunk: &self.chunks[i],
                    position: i,
                    score: scores[i] * coverage,
                    coverage,
                    credits: credits[i].clone(),
                    heading_named: 0.0,
                }
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.position.cmp(&b.position)));
        hits.truncate(limit);
        for hit in &mut hits {
            hit.heading_named = query.names(&self.named_by[hit.position], |t| self.idf(t));
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(title: &str, heading: &str, text: &str) -> Chunk {
        Chunk {
            page_title: title.into(),
            heading: Some(heading.into()),
            url: "/x".into(),
            text: text.into(),
            ..Default::default()
        }
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
    fn related_words_count_for_less_than_the_visitors_own() {
        let idx = index();
        // "send" is the lexicon's relative of "withdraw"; "price" of "fee".
        let hits = idx.search("bitcoin send price", 1);
        assert_eq!(hits[0].chunk.heading.as_deref(), Some("Withdrawal fees"));
        assert!(hits[0].coverage > 0.5 && hits[0].coverage < 0.99, "{}", hits[0].coverage);
    }

    #[test]
    fn the_question_form_ranks_but_does_not_cover() {
        let idx = index();
        // Both sections speak of bitcoin; only one of them of time ("how long" → "times").
        let hits = idx.search("How long does bitcoin take?", 2);
        assert_eq!(hits[0].chunk.heading.as_deref(), Some("Deposit times"));
        assert!(hits.iter().all(|h| (h.coverage - 1.0).abs() < 1e-9));
        assert!(idx.search("How long does it take?", 2).is_empty());
    }

    #[test]
    fn words_of_one_root_meet_beyond_the_stemmer() {
        let chunks = vec![chunk("Shipping", "Delivery", "Every delivery is insured."), chunk("Other", "Other", "x")];
        let idx = KnowledgeIndex::new(chunks, &BTreeMap::new());
        let hits = idx.search("was it delivered", 1);
        assert_eq!(hits[0].chunk.heading.as_deref(), Some("Delivery"));
        assert!((hits[0].coverage - SAME_ROOT).abs() < 1e-9, "{}", hits[0].coverage);
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
