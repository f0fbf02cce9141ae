//! A general English thesaurus, applied at build time to one site's own pages: from WordNet
//! (Debian's `wordnet-base`, read from its `data.*`, `index.*` and `*.exc` files), the words a
//! visitor may use for a word the pages use — its synonyms in the word's commonest senses, and,
//! for nouns, the kinds of a thing the pages name ("toddler" → "child"). Only pairs whose target
//! the pages use are kept, so the Worker carries what its site needs and nothing more.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io;
use std::path::Path;

/// Where Debian's `wordnet-base` puts WordNet.
pub const DEFAULT_DIR: &str = "/usr/share/wordnet";
/// Senses of a visitor's word read, commonest first (WordNet lists them so).
const SENSES: usize = 3;
/// Most page words one visitor word may stand for.
const MAX_TARGETS: usize = 3;
/// Whether the kinds of a thing count ("toddler" → "child").
const HYPERNYMS: bool = true;
/// Shortest word kept on either side.
const MIN_LEN: usize = 3;

/// The four parts of speech WordNet's files are split into.
const POS: [(&str, char); 4] = [("noun", 'n'), ("verb", 'v'), ("adj", 'a'), ("adv", 'r')];

/// One synset: its words, and for nouns the synsets it is a kind of.
#[derive(Debug, Default)]
struct Synset {
    lemmas: Vec<String>,
    hypernyms: Vec<u64>,
}

/// WordNet as the thesaurus needs it.
#[derive(Debug, Default)]
pub struct WordNet {
    /// (part of speech, offset) → synset.
    synsets: HashMap<(char, u64), Synset>,
    /// lemma → per part of speech, its synsets' offsets, commonest sense first.
    senses: HashMap<String, Vec<(char, Vec<u64>)>>,
    /// Irregular forms → base forms, per part of speech ("children" → "child").
    exceptions: HashMap<(char, String), Vec<String>>,
}

/// Why WordNet could not be read: a message saying what to install.
pub fn missing(dir: &Path, e: &io::Error) -> String {
    format!(
        "WordNet was not found in {} ({e}): install Debian's `wordnet-base` (`apt-get install wordnet-base`; \
         scripts/setup does), or set WORDNET_DIR to a WordNet 3.0 dict directory",
        dir.display()
    )
}

impl WordNet {
    /// Reads WordNet from `dir` (e.g. [`DEFAULT_DIR`]).
    pub fn read(dir: &Path) -> io::Result<Self> {
        let mut wn = WordNet::default();
        for (name, pos) in POS {
            let data = std::fs::read_to_string(dir.join(format!("data.{name}")))?;
            for line in data.lines().filter(|l| !l.starts_with("  ")) {
                if let Some((offset, synset)) = parse_data(line, pos) {
                    wn.synsets.insert((pos, offset), synset);
                }
            }
            let index = std::fs::read_to_string(dir.join(format!("index.{name}")))?;
            for line in index.lines().filter(|l| !l.starts_with("  ")) {
                if let Some((lemma, offsets)) = parse_index(line) {
                    wn.senses.entry(lemma).or_default().push((pos, offsets));
                }
            }
            if let Ok(exc) = std::fs::read_to_string(dir.join(format!("{name}.exc"))) {
                for line in exc.lines() {
                    let mut words = line.split_whitespace();
                    if let Some(form) = words.next() {
                        wn.exceptions.insert((pos, form.to_string()), words.map(str::to_string).collect());
                    }
                }
            }
        }
        Ok(wn)
    }

    /// The base forms of a word as WordNet knows them (`morphy`): itself, its irregular base
    /// forms, and what its regular endings leave.
    fn base_forms(&self, word: &str) -> BTreeSet<String> {
        const ENDINGS: &[(char, &str, &str)] = &[
            ('n', "s", ""),
            ('n', "ses", "s"),
            ('n', "xes", "x"),
            ('n', "zes", "z"),
            ('n', "ches", "ch"),
            ('n', "shes", "sh"),
            ('n', "men", "man"),
            ('n', "ies", "y"),
            ('v', "s", ""),
            ('v', "ies", "y"),
            ('v', "es", "e"),
            ('v', "es", ""),
            ('v', "ed", "e"),
            ('v', "ed", ""),
            ('v', "ing", "e"),
            ('v', "ing", ""),
            ('a', "er", ""),
            ('a', "est", ""),
            ('a', "er", "e"),
            ('a', "est", "e"),
        ];
        let known = |w: &str, pos: char| self.senses.get(w).is_some_and(|s| s.iter().any(|(p, _)| *p == pos));
        let mut out = BTreeSet::new();
        if self.senses.contains_key(word) {
            out.insert(word.to_string());
        }
        for (_, pos) in POS {
            for base in self.exceptions.get(&(pos, word.to_string())).into_iter().flatten() {
                out.insert(base.clone());
            }
        }
        for (pos, ending, replace) in ENDINGS {
            if let Some(stem) = word.strip_suffix(ending) {
                let base = format!("{stem}{replace}");
                if known(&base, *pos) {
                    out.insert(base);
                }
            }
        }
        out
    }

    /// For the words of a site's pages: each word a visitor may use for one of them, and the
    /// page words it stands for (at most [`MAX_TARGETS`]). A visitor's word the pages use
    /// themselves is left out: it finds itself.
    pub fn pairs<'a>(&self, page_words: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, Vec<String>> {
        let mut used: HashSet<String> = HashSet::new();
        for word in page_words {
            let word = word.to_lowercase();
            used.extend(self.base_forms(&word));
            used.insert(word);
        }
        let lemma_used = |lemma: &str| {
            // A phrase counts when each of its words is in the pages ("blood_test").
            lemma.split('_').all(|w| used.contains(w)) && lemma.len() >= MIN_LEN
        };
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (visitor_word, by_pos) in &self.senses {
            if visitor_word.contains('_')
                || visitor_word.len() < MIN_LEN
                || !visitor_word.chars().all(|c| c.is_ascii_alphabetic())
                || used.contains(visitor_word)
            {
                continue;
            }
            let mut targets: Vec<String> = Vec::new();
            let mut add = |lemma: &str| {
                let lemma = lemma.to_lowercase();
                let related_spelling = lemma.starts_with(visitor_word.as_str()) || visitor_word.starts_with(&lemma);
                if lemma != *visitor_word && !related_spelling && lemma_used(&lemma) && !targets.contains(&lemma) {
                    targets.push(lemma);
                }
            };
            for (pos, offsets) in by_pos {
                for offset in offsets.iter().take(SENSES) {
                    let Some(synset) = self.synsets.get(&(*pos, *offset)) else { continue };
                    synset.lemmas.iter().for_each(|l| add(l));
                    if *pos == 'n' && HYPERNYMS {
                        for hypernym in &synset.hypernyms {
                            if let Some(h) = self.synsets.get(&('n', *hypernym)) {
                                h.lemmas.iter().for_each(|l| add(l));
                            }
                        }
                    }
                }
            }
            if !targets.is_empty() {
                targets.truncate(MAX_TARGETS);
                out.insert(visitor_word.clone(), targets.into_iter().map(|t| t.replace('_', " ")).collect());
            }
        }
        out
    }
}

/// The words of a site a visitor's words are looked up for: its pages (title and body) and its
/// actions (name and description), as written.
pub fn site_words(site: &crate::site::SiteBundle) -> BTreeSet<String> {
    let pages = site.knowledge.iter().flat_map(|d| [d.title.as_str(), d.body.as_str()]);
    let actions = site.actions.iter().flat_map(|a| [Some(a.name.as_str()), a.description.as_deref()]).flatten();
    pages
        .chain(actions)
        .flat_map(|text| text.split(|c: char| !c.is_ascii_alphabetic()))
        .filter(|w| w.len() >= MIN_LEN)
        .map(str::to_lowercase)
        .collect()
}

/// Fills `site.thesaurus` from WordNet for the site's own words.
pub fn apply(site: &mut crate::site::SiteBundle, wordnet: &WordNet) {
    let words = site_words(site);
    site.thesaurus = wordnet.pairs(words.iter().map(String::as_str));
}

/// A line of `data.*`: offset, then its words and pointers (`synset_offset lex_filenum ss_type
/// w_cnt word lex_id … p_cnt ptr… | gloss`).
fn parse_data(line: &str, pos: char) -> Option<(u64, Synset)> {
    let before_gloss = line.split(" | ").next()?;
    let mut fields = before_gloss.split_whitespace();
    let offset: u64 = fields.next()?.parse().ok()?;
    let _lex_filenum = fields.next()?;
    let _ss_type = fields.next()?;
    let word_count = usize::from_str_radix(fields.next()?, 16).ok()?;
    let mut lemmas = Vec::with_capacity(word_count);
    for _ in 0..word_count {
        let word = fields.next()?;
        let _lex_id = fields.next()?;
        // Adjectives may carry a marker: "galore(ip)".
        lemmas.push(word.split('(').next()?.to_lowercase());
    }
    let pointers: usize = fields.next()?.parse().ok()?;
    let mut hypernyms = Vec::new();
    for _ in 0..pointers {
        let symbol = fields.next()?;
        let target: u64 = fields.next()?.parse().ok()?;
        let target_pos = fields.next()?;
        let _source_target = fields.next()?;
        if pos == 'n' && (symbol == "@" || symbol == "@i") && target_pos == "n" {
            hypernyms.push(target);
        }
    }
    Some((offset, Synset { lemmas, hypernyms }))
}

/// A line of `index.*`: the lemma and its synsets, commonest sense first (`lemma pos
/// synset_cnt p_cnt [ptr_symbol…] sense_cnt tagsense_cnt synset_offset…`).
fn parse_index(line: &str) -> Option<(String, Vec<u64>)> {
    let mut fields = line.split_whitespace();
    let lemma = fields.next()?.to_string();
    let _pos = fields.next()?;
    let synsets: usize = fields.next()?.parse().ok()?;
    let pointer_kinds: usize = fields.next()?.parse().ok()?;
    for _ in 0..pointer_kinds {
        fields.next()?;
    }
    let _sense_cnt = fields.next()?;
    let _tagsense_cnt = fields.next()?;
    let offsets: Vec<u64> = fields.take(synsets).filter_map(|o| o.parse().ok()).collect();
    Some((lemma, offsets))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wordnet() -> WordNet {
        let dir = std::env::var("WORDNET_DIR").unwrap_or_else(|_| DEFAULT_DIR.into());
        WordNet::read(Path::new(&dir)).unwrap_or_else(|e| panic!("{}", missing(Path::new(&dir), &e)))
    }

    #[test]
    fn lines_of_the_data_and_index_files_are_read() {
        let (offset, synset) = parse_data(
            "10714465 18 n 04 toddler 0 yearling 0 tot 0 bambino 0 002 @ 09917593 n 0000 + 01918821 v 0101 | a young child",
            'n',
        )
        .unwrap();
        assert_eq!(offset, 10714465);
        assert_eq!(synset.lemmas, ["toddler", "yearling", "tot", "bambino"]);
        assert_eq!(synset.hypernyms, [9917593]);
        let (lemma, offsets) = parse_index("park v 2 4 @ ~ + ; 2 2 01493398 01934445  ").unwrap();
        assert_eq!((lemma.as_str(), offsets), ("park", vec![1493398, 1934445]));
    }

    #[test]
    fn a_visitors_word_finds_the_word_the_pages_use_and_only_those() {
        // WordNet itself is installed by scripts/setup.
        let wn = wordnet();
        let pairs = wn.pairs(["children", "vaccination", "invoice", "appointment"]);
        assert!(pairs.get("toddler").is_some_and(|t| t.contains(&"child".to_string())), "{:?}", pairs.get("toddler"));
        assert!(pairs.get("inoculation").is_some_and(|t| t.contains(&"vaccination".to_string())));
        assert!(pairs.get("bill").is_some_and(|t| t.contains(&"invoice".to_string())), "{:?}", pairs.get("bill"));
        assert!(!pairs.contains_key("child"), "a page word finds itself");
        assert!(pairs
            .values()
            .flatten()
            .all(|t| ["child", "vaccination", "invoice", "appointment"].contains(&t.as_str())));
    }
}
