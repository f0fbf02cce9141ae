//! Words that mean the same or nearly so: the general customer-support vocabulary every site gets
//! (send ↔ withdraw ↔ transfer, cost ↔ fee ↔ price, country ↔ region, ID ↔ document…), and the
//! owner's `[answering.synonyms]` on top. Nothing here belongs to one business: each class is how
//! visitors and help pages of many kinds of site say the same thing.
//!
//! Entries may be phrases ("money back", "log in"): in a question a phrase is read as one unit,
//! and as a related term it matches a passage that contains all its words.

use super::tokenize::{phrase_terms, spoken_words, stem};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// Classes of words and phrases that say the same thing in a support conversation; each member
/// is related to every other member of its class.
const SAME_MEANING: &[&[&str]] = &[
    // money
    &["cost", "fee", "price", "pricing", "charge", "commission", "surcharge", "expensive", "cheap", "free"],
    &["pay", "payment", "charge", "bill", "billing"],
    &["withdraw", "withdrawal", "send", "transfer", "payout", "cash out"],
    &["deposit", "top up", "add money", "add funds", "fund"],
    &["refund", "money back", "reimburse", "reimbursement", "repay"],
    &["money", "funds", "cash", "balance"],
    &["instalment", "installment", "pay later", "payment plan", "split payment", "financing"],
    &["promo code", "discount code", "coupon", "voucher", "promotion", "discount"],
    &["gift card", "gift certificate", "gift voucher"],
    &["invoice", "receipt", "bill"],
    &["card", "credit card", "debit card"],
    &["bank transfer", "bank", "wire", "wire transfer", "sepa", "ach"],
    &["customs", "import duty", "import duties", "duty", "import tax", "tariff", "vat"],
    &["buy", "purchase", "order"],
    &["trade", "trading", "buy and sell", "buying and selling"],
    // delivery
    &["ship", "shipping", "shipment", "deliver", "delivery", "dispatch", "postage", "courier", "send"],
    &["parcel", "package", "packet", "shipment"],
    &["track", "tracking", "trace", "locate", "whereabouts"],
    &["arrive", "arrival", "receive", "show up", "turn up", "credit", "appear", "reach", "go through"],
    &["country", "region", "nation", "international", "abroad", "overseas", "worldwide", "destination"],
    &["fast", "quick", "express", "expedited", "rush", "faster", "speed"],
    &["delay", "late", "slow", "stuck", "pending", "wait"],
    // returns and changes
    &["return", "send back", "give back", "take back", "bring back"],
    &["exchange", "swap", "replace", "replacement", "switch"],
    &["book", "booking", "schedule", "reserve", "reservation", "make an appointment"],
    &["reschedule", "move", "postpone", "push back", "push", "change the date"],
    &["cancel", "cancellation", "call off", "stop", "abort", "revoke"],
    &["change", "update", "edit", "modify", "amend", "correct", "alter"],
    &["broken", "break", "damage", "defect", "defective", "faulty", "fault", "torn", "crack", "not work"],
    &["lost", "missing", "stolen", "misplace", "not find"],
    &["missing", "not arrive", "not receive", "not show up", "not turn up", "not get", "not come"],
    &["repair", "fix", "mend"],
    &["warranty", "guarantee"],
    &["item", "product", "goods", "article", "merchandise"],
    &["size", "sizing", "fit", "measurement", "measure"],
    &["big", "bigger", "large", "larger"],
    &["small", "smaller", "little", "tight"],
    &["wash", "clean", "cleaning", "laundry", "launder"],
    &["waterproof", "water repellent", "water resistant", "leak"],
    // accounts and identity
    &["id", "identity", "identification", "document", "passport", "driver license", "kyc", "verify", "verification"],
    &["login", "log in", "sign in", "log on", "access"],
    &["sign up", "register", "registration", "open an account", "create an account"],
    &["password", "passcode", "passphrase", "credentials"],
    &["2fa", "two factor", "authenticator", "mfa", "2 step", "two step", "one time code", "security code"],
    &["phone", "smartphone", "cellphone", "device", "handset"],
    &["account", "profile"],
    &["email", "e mail"],
    &["confirmation", "confirm", "receipt"],
    &["photo", "picture", "image", "screenshot"],
    &["reject", "decline", "deny", "refuse", "not accepted"],
    &["block", "lock", "freeze", "suspend", "restrict", "disable", "ban"],
    &["phishing", "scam", "fraud", "fake", "suspicious", "impersonation", "hack", "compromised"],
    &["reset", "recover", "recovery", "restore"],
    &["wrong", "incorrect", "mistake", "error"],
    &["start", "begin", "initiate", "request"],
    &["app", "application"],
    // abbreviations visitors type in a chat
    &["dob", "date of birth", "birthday", "birth date"],
    &["appt", "appointment"],
    &["acct", "account"],
    &["tx", "txn", "transaction"],
    &["pw", "pwd", "password"],
    &["rx", "prescription"],
    &["addr", "address"],
    &["info", "information", "details"],
    &["msg", "message"],
    &["qty", "quantity"],
    // numbers: a page's "Level 1" is the visitor's "first level"
    &["1", "one", "first"],
    &["2", "two", "second"],
    &["3", "three", "third"],
    &["4", "four", "fourth"],
    &["5", "five", "fifth"],
    &["6", "six", "sixth"],
    &["7", "seven", "seventh"],
    &["8", "eight", "eighth"],
    &["9", "nine", "ninth"],
    &["10", "ten", "tenth"],
    &["12", "twelve", "twelfth", "dozen"],
    // time
    &["daily", "per day", "a day", "each day"],
    &["weekly", "per week", "a week"],
    &["monthly", "per month", "a month"],
    &["yearly", "annual", "per year", "a year"],
];

/// Specific words a visitor uses for what help pages say in general: each word on the right is a
/// kind of the word on the left (one way only: a page about Germany does not answer "countries").
const KIND_OF: &[(&str, &[&str])] = &[(
    "country",
    &[
        "afghanistan",
        "albania",
        "algeria",
        "andorra",
        "angola",
        "argentina",
        "armenia",
        "austria",
        "azerbaijan",
        "bahamas",
        "bahrain",
        "bangladesh",
        "barbados",
        "belarus",
        "belgium",
        "belize",
        "bolivia",
        "bosnia",
        "botswana",
        "brazil",
        "brunei",
        "bulgaria",
        "cambodia",
        "cameroon",
        "chile",
        "china",
        "colombia",
        "costa rica",
        "croatia",
        "cuba",
        "cyprus",
        "czech republic",
        "czechia",
        "denmark",
        "dominican republic",
        "ecuador",
        "egypt",
        "el salvador",
        "estonia",
        "ethiopia",
        "fiji",
        "finland",
        "france",
        "georgia",
        "germany",
        "ghana",
        "greece",
        "guatemala",
        "honduras",
        "hong kong",
        "hungary",
        "iceland",
        "india",
        "indonesia",
        "iran",
        "iraq",
        "ireland",
        "israel",
        "italy",
        "jamaica",
        "japan",
        "jordan",
        "kazakhstan",
        "kenya",
        "korea",
        "kosovo",
        "kuwait",
        "latvia",
        "lebanon",
        "liechtenstein",
        "lithuania",
        "luxembourg",
        "malaysia",
        "malta",
        "mexico",
        "moldova",
        "monaco",
        "mongolia",
        "montenegro",
        "morocco",
        "mozambique",
        "nepal",
        "netherlands",
        "holland",
        "nicaragua",
        "nigeria",
        "north macedonia",
        "oman",
        "pakistan",
        "panama",
        "paraguay",
        "peru",
        "philippines",
        "poland",
        "portugal",
        "puerto rico",
        "qatar",
        "romania",
        "russia",
        "rwanda",
        "saudi arabia",
        "senegal",
        "serbia",
        "singapore",
        "slovakia",
        "slovenia",
        "south africa",
        "south korea",
        "spain",
        "sri lanka",
        "sweden",
        "taiwan",
        "tanzania",
        "thailand",
        "tunisia",
        "turkey",
        "uganda",
        "ukraine",
        "united arab emirates",
        "uae",
        "uruguay",
        "uzbekistan",
        "venezuela",
        "vietnam",
        "zambia",
        "zimbabwe",
        "canada",
        "australia",
        "new zealand",
        "united kingdom",
        "uk",
        "britain",
        "england",
        "scotland",
        "wales",
        "norway",
        "switzerland",
        "united states",
        "usa",
        "america",
    ],
)];

/// Most words that may stand between the words of a phrase in a question.
pub const MAX_GAP: usize = 2;

/// A related term: the stems a passage must all contain.
pub type Stems = Vec<String>;

/// A relation graph over stemmed words and phrases.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// stems of a word or phrase → stems of the words and phrases related to it
    related: HashMap<Stems, Vec<Stems>>,
    /// first stem of a phrase (two words or more) → the phrases' stems
    phrases: HashMap<String, Vec<Stems>>,
}

impl Lexicon {
    /// The general support vocabulary, built once.
    pub fn builtin() -> &'static Lexicon {
        static BUILTIN: OnceLock<Lexicon> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut lexicon = Lexicon::default();
            for class in SAME_MEANING {
                for a in class.iter() {
                    for b in class.iter().filter(|b| *b != a) {
                        lexicon.relate(a, b);
                    }
                }
            }
            for (general, kinds) in KIND_OF {
                for kind in kinds.iter() {
                    lexicon.relate(kind, general);
                }
            }
            lexicon
        })
    }

    /// The owner's `[answering.synonyms]`: each word and each of its synonyms, both ways.
    pub fn from_synonyms(synonyms: &BTreeMap<String, Vec<String>>) -> Lexicon {
        let mut lexicon = Lexicon::default();
        for (word, others) in synonyms {
            for other in others {
                lexicon.relate(word, other);
                lexicon.relate(other, word);
            }
        }
        lexicon
    }

    /// A site's thesaurus (`SiteBundle::thesaurus`): each visitor word to the page words it may
    /// stand for, one way.
    pub fn from_thesaurus(thesaurus: &BTreeMap<String, Vec<String>>) -> Lexicon {
        let mut lexicon = Lexicon::default();
        for (word, targets) in thesaurus {
            for target in targets {
                lexicon.relate(word, target);
            }
        }
        lexicon
    }

    fn relate(&mut self, from: &str, to: &str) {
        let (key, target) = (key_stems(from), content_stems(to));
        if key.is_empty() || target.is_empty() || key == target {
            return;
        }
        if key.len() > 1 {
            let phrases = self.phrases.entry(key[0].clone()).or_default();
            if !phrases.contains(&key) {
                phrases.push(key.clone());
            }
        }
        let list = self.related.entry(key).or_default();
        if !list.contains(&target) {
            list.push(target);
        }
    }

    /// What a word or phrase (as stems, stop words included) is related to.
    pub fn related(&self, stems: &[String]) -> &[Stems] {
        self.related.get(stems).map_or(&[], Vec::as_slice)
    }

    /// The longest phrase (two words or more) known here that starts at `stems[0]`, as the number of
    /// question words it spans and its stems. Up to [`MAX_GAP`] words that `skippable` allows may
    /// stand between its words ("send *it* back").
    pub fn phrase_at(&self, stems: &[String], skippable: impl Fn(usize) -> bool) -> Option<(usize, &Stems)> {
        let candidates = self.phrases.get(stems.first()?)?;
        let span = |key: &Stems| -> Option<usize> {
            let (mut at, mut gaps) = (1, 0);
            for part in &key[1..] {
                while stems.get(at)? != part {
                    if !skippable(at) || gaps == MAX_GAP {
                        return None;
                    }
                    gaps += 1;
                    at += 1;
                }
                at += 1;
            }
            Some(at)
        };
        candidates.iter().filter_map(|key| span(key).map(|n| (n, key))).max_by_key(|(n, key)| (key.len(), *n))
    }
}

/// All the stems of a word or phrase, stop words included ("log in" → ["log", "in"]), as a key
/// to find it in a question's word sequence.
pub fn key_stems(text: &str) -> Stems {
    spoken_words(text).into_iter().flatten().map(|w| stem(&w)).collect()
}

/// The terms a passage must contain to say a word or phrase ("log in" → ["log"], "not arrive" →
/// ["not_arriv"]).
pub fn content_stems(text: &str) -> Stems {
    phrase_terms(&key_stems(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn related(word: &str) -> Vec<String> {
        Lexicon::builtin().related(&key_stems(word)).iter().map(|s| s.join(" ")).collect()
    }

    #[test]
    fn support_words_meet_their_relatives_both_ways() {
        assert!(related("send").contains(&stem("withdraw")));
        assert!(related("withdrawals").contains(&stem("send")));
        assert!(related("price").contains(&stem("fee")));
        assert!(related("fees").contains(&stem("cost")));
        assert!(related("ID").contains(&stem("document")));
        assert!(related("documents").contains(&stem("identity")));
    }

    #[test]
    fn phrases_are_units_and_relate_as_all_their_words() {
        let lexicon = Lexicon::builtin();
        let question = key_stems("when will i get my money back");
        let (n, key) = lexicon.phrase_at(&question[5..], |_| false).unwrap();
        assert_eq!((n, key.join(" ")), (2, "money back".to_string()));
        assert!(lexicon.phrase_at(&question[4..], |_| false).is_none());
        assert!(lexicon.related(key).contains(&vec![stem("refund")]));
        assert!(related("refund").contains(&"money back".to_string()));
        assert!(related("log in").contains(&stem("access")));
        let gap = key_stems("send it back");
        assert_eq!(lexicon.phrase_at(&gap, |i| i == 1).map(|(n, k)| (n, k.join(" "))), Some((3, "send back".into())));
        assert!(lexicon.phrase_at(&gap, |_| false).is_none());
    }

    #[test]
    fn a_country_is_a_kind_of_country_but_not_the_other_way() {
        assert!(related("Germany").contains(&"countri".to_string()));
        assert!(related("new zealand").contains(&"countri".to_string()));
        assert!(!related("country").contains(&"germani".to_string()));
    }

    #[test]
    fn owner_synonyms_apply_both_ways() {
        let mut synonyms = BTreeMap::new();
        synonyms.insert("btc".to_string(), vec!["bitcoin".to_string()]);
        let lexicon = Lexicon::from_synonyms(&synonyms);
        assert_eq!(lexicon.related(&key_stems("BTC")), &[vec!["bitcoin".to_string()]]);
        assert_eq!(lexicon.related(&key_stems("bitcoin")), &[vec!["btc".to_string()]]);
    }

    #[test]
    fn nothing_in_it_belongs_to_one_kind_of_business() {
        let all: Vec<&str> =
            SAME_MEANING.iter().flat_map(|c| c.iter().copied()).chain(KIND_OF.iter().map(|(g, _)| *g)).collect();
        for word in ["bitcoin", "btc", "crypto", "blockchain", "wallet", "tent", "jacket", "hash"] {
            assert!(!all.contains(&word), "{word} is one business's word");
        }
    }
}
