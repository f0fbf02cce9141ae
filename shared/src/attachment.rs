//! Files sent in a conversation, both ways: what a message carries, which files are accepted
//! (by their first bytes and by their name, both), the owner's limits (`[attachments]`), and how
//! a served file is named. Nothing accepted can run in a browser: no HTML, no SVG, no scripts.

use serde::{Deserialize, Serialize};

/// A file attached to a message, as stored and as every client sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Its id in the conversation (`f_` and random letters), the last segment of its address.
    pub id: String,
    /// The file's name as sent, made safe ([`safe_name`]).
    pub name: String,
    /// Its type as its content says, never as the sender claimed ([`Kind::content_type`]).
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
}

impl Attachment {
    /// Whether clients show it as a picture.
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

/// `[attachments]` in `agent.toml`: whether visitors and agents may send files, and how large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentsConfig {
    /// Whether files may be sent at all (both ways).
    #[serde(default = "default_enabled")]
    pub enabled: bool,
    /// Largest file, in megabytes (MB, 1,000,000 bytes).
    #[serde(default = "default_max_mb")]
    pub max_mb: u32,
    /// Most megabytes of files one conversation keeps.
    #[serde(default = "default_per_conversation_mb")]
    pub per_conversation_mb: u32,
}

fn default_enabled() -> bool {
    true
}

fn default_max_mb() -> u32 {
    10
}

fn default_per_conversation_mb() -> u32 {
    50
}

impl Default for AttachmentsConfig {
    fn default() -> Self {
        Self { enabled: true, max_mb: default_max_mb(), per_conversation_mb: default_per_conversation_mb() }
    }
}

/// The largest `max_mb` an owner may set: a conversation's object holds a file in memory once
/// while it stores it (128 MB per isolate).
pub const MAX_FILE_MB: u32 = 25;

impl AttachmentsConfig {
    /// Largest file in bytes.
    pub fn max_bytes(&self) -> u64 {
        u64::from(self.max_mb) * 1_000_000
    }

    /// Most bytes of files per conversation.
    pub fn per_conversation_bytes(&self) -> u64 {
        u64::from(self.per_conversation_mb) * 1_000_000
    }

    /// What is wrong with the settings, by field.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !(1..=MAX_FILE_MB).contains(&self.max_mb) {
            out.push(("attachments.max_mb".into(), format!("must be between 1 and {MAX_FILE_MB}")));
        }
        if self.per_conversation_mb < self.max_mb {
            out.push(("attachments.per_conversation_mb".into(), "must be at least attachments.max_mb".into()));
        }
        out
    }
}

/// The kinds of file accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A PNG image.
    Png,
    /// A JPEG photo.
    Jpeg,
    /// A GIF image.
    Gif,
    /// A WebP image.
    Webp,
    /// A PDF document.
    Pdf,
    /// Plain UTF-8 text (notes, logs, CSV).
    Text,
}

impl Kind {
    /// The type it is served as.
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
            Kind::Pdf => "application/pdf",
            Kind::Text => "text/plain; charset=utf-8",
        }
    }

    /// Whether it is a picture clients show.
    pub fn is_image(self) -> bool {
        matches!(self, Kind::Png | Kind::Jpeg | Kind::Gif | Kind::Webp)
    }

    /// The file-name extensions a file of this kind may have. Pictures are one family: phones
    /// and editors often save a JPEG as `.png` and the reverse, and either is shown the same.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Png | Kind::Jpeg | Kind::Gif | Kind::Webp => &["png", "jpg", "jpeg", "gif", "webp"],
            Kind::Pdf => &["pdf"],
            Kind::Text => &["txt", "csv", "log", "md"],
        }
    }
}

/// What the file's first bytes say it is; `None` for anything not accepted. Text is UTF-8
/// without NUL or other control characters than tab, line breaks and form feed.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if starts(b"\xff\xd8\xff") {
        Some(Kind::Jpeg)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(Kind::Gif)
    } else if bytes.len() >= 12 && starts(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else if starts(b"%PDF-") {
        Some(Kind::Pdf)
    } else {
        let text = std::str::from_utf8(bytes).ok()?;
        let plain = text.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'));
        plain.then_some(Kind::Text)
    }
}

/// Why a file is refused, said to whoever sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Files are switched off for this site.
    Off,
    /// Nothing in it.
    Empty,
    /// Larger than `[attachments] max_mb`.
    TooLarge {
        /// The limit in MB.
        max_mb: u32,
    },
    /// The conversation keeps no more files (`per_conversation_mb`).
    ConversationFull,
    /// Not a kind accepted, by its content.
    NotAccepted,
    /// Its name says another kind than its content (or one not accepted).
    NameMismatch,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Off => f.write_str("Files cannot be sent in this chat."),
            Refusal::Empty => f.write_str("The file is empty."),
            Refusal::TooLarge { max_mb } => f.write_str(&too_large(*max_mb)),
            Refusal::ConversationFull => {
                f.write_str("This conversation holds as many files as it can. Please start a new conversation.")
            }
            Refusal::NotAccepted => f.write_str(ACCEPTED),
            Refusal::NameMismatch => write!(f, "The file's name does not match what it holds. {ACCEPTED}"),
        }
    }
}

/// Why a file over `max_mb` is refused, in words (the chat says it before sending a byte).
pub fn too_large(max_mb: u32) -> String {
    format!("The file is too large: files can be at most {max_mb} MB.")
}

/// The kinds accepted, in words.
pub const ACCEPTED: &str = "Only pictures (PNG, JPEG, GIF, WebP), PDF and text files can be sent.";

/// What the browser's file picker offers (`accept`).
pub const ACCEPT_ATTRIBUTE: &str = "image/png,image/jpeg,image/gif,image/webp,application/pdf,.txt,.csv,.log,.md";

/// Checks a file by its size, its content and its name (content and name must agree).
pub fn check(config: &AttachmentsConfig, name: &str, bytes: &[u8]) -> Result<Kind, Refusal> {
    if !config.enabled {
        return Err(Refusal::Off);
    }
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() as u64 > config.max_bytes() {
        return Err(Refusal::TooLarge { max_mb: config.max_mb });
    }
    let kind = sniff(bytes).ok_or(Refusal::NotAccepted)?;
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !kind.extensions().contains(&extension.as_str()) {
        return Err(Refusal::NameMismatch);
    }
    Ok(kind)
}

/// A file's size in words: "840 bytes", "56 KB", "2.4 MB" (whole numbers only: no float
/// formatting in the chat's wasm).
pub fn size_in_words(bytes: u64) -> String {
    match bytes {
        0..=999 => format!("{bytes} bytes"),
        1_000..=999_999 => format!("{} KB", bytes.div_ceil(1_000)),
        _ => {
            let tenths = bytes.div_ceil(100_000);
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    }
}

/// The longest name kept, in characters (the extension is kept whole).
const MAX_NAME_CHARS: usize = 100;

/// A sent file's name as it is kept and shown: the last path segment, without control
/// characters, quotes or leading dots, at most 100 characters with its extension; "file" when
/// nothing is left.
pub fn safe_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        last.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '*' | '?' | '|' | ':')).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return "file".into();
    }
    if cleaned.chars().count() <= MAX_NAME_CHARS {
        return cleaned.to_string();
    }
    let (stem, extension) = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() <= 8 => (stem, format!(".{ext}")),
        _ => (cleaned, String::new()),
    };
    let keep = MAX_NAME_CHARS - extension.chars().count();
    format!("{}{extension}", stem.chars().take(keep).collect::<String>().trim_end())
}

/// The `Content-Disposition` a file is served with: shown in place (`inline`, pictures) or
/// downloaded, named by its safe name (ASCII for old clients, UTF-8 for the rest, RFC 6266).
pub fn content_disposition(name: &str, inline: bool) -> String {
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let how = if inline { "inline" } else { "attachment" };
    format!("{how}; filename=\"{}\"; filename*=UTF-8''{encoded}", ascii.replace('\\', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn accepted_kinds_are_told_by_their_first_bytes() {
        assert_eq!(sniff(PNG), Some(Kind::Png));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"), Some(Kind::Jpeg));
        assert_eq!(sniff(b"GIF89a\x01\0"), Some(Kind::Gif));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(Kind::Webp));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(Kind::Pdf));
        assert_eq!(sniff("date,amount\n2026-12-01,€5\n".as_bytes()), Some(Kind::Text));
    }

    #[test]
    fn markup_executables_and_binary_are_not_accepted_whatever_their_name() {
        let config = AttachmentsConfig::default();
        // An SVG or a page is text, but no text name admits them, and an image name needs an image.
        for (name, bytes) in [
            ("cat.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".as_slice()),
            ("cat.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".as_slice()),
            ("page.html", b"<html><script>alert(1)</script></html>".as_slice()),
            ("page.pdf", b"<html><script>alert(1)</script></html>".as_slice()),
        ] {
            assert_eq!(check(&config, name, bytes), Err(Refusal::NameMismatch), "{name}");
        }
        assert_eq!(check(&config, "setup.exe", b"MZ\x90\0\x03\0\0\0"), Err(Refusal::NotAccepted));
        assert_eq!(check(&config, "a.txt", b"nul\0inside"), Err(Refusal::NotAccepted));
        // A picture named as a page is refused too: what it is served as must be what it says.
        assert_eq!(check(&config, "cat.html", PNG), Err(Refusal::NameMismatch));
        assert_eq!(check(&config, "photo.JPG", PNG), Ok(Kind::Png));
        assert_eq!(check(&config, "notes.txt", b"hello"), Ok(Kind::Text));
    }

    #[test]
    fn size_and_switch_are_checked_first() {
        let small = AttachmentsConfig { max_mb: 1, ..AttachmentsConfig::default() };
        let mut big = PNG.to_vec();
        big.resize(1_000_001, 0);
        assert_eq!(check(&small, "a.png", &big), Err(Refusal::TooLarge { max_mb: 1 }));
        assert_eq!(check(&small, "a.png", &big[..1_000_000]), Ok(Kind::Png));
        assert_eq!(check(&small, "a.png", b""), Err(Refusal::Empty));
        let off = AttachmentsConfig { enabled: false, ..AttachmentsConfig::default() };
        assert_eq!(check(&off, "a.png", PNG), Err(Refusal::Off));
        assert_eq!(Refusal::TooLarge { max_mb: 10 }.to_string(), "The file is too large: files can be at most 10 MB.");
    }

    #[test]
    fn names_lose_paths_controls_and_quotes_and_keep_their_extension() {
        assert_eq!(safe_name("C:\\Users\\ana\\Desktop\\receipt.pdf"), "receipt.pdf");
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("a\"b\r\nc.png"), "abc.png");
        assert_eq!(safe_name(".htaccess"), "htaccess");
        assert_eq!(safe_name("  "), "file");
        let long = format!("{}.jpeg", "x".repeat(300));
        let kept = safe_name(&long);
        assert_eq!((kept.chars().count(), kept.ends_with(".jpeg")), (100, true));
    }

    #[test]
    fn a_served_name_cannot_break_out_of_its_header() {
        assert_eq!(
            content_disposition("Ärger 1.pdf", false),
            "attachment; filename=\"_rger 1.pdf\"; filename*=UTF-8''%C3%84rger%201.pdf"
        );
        assert!(content_disposition("x.png", true).starts_with("inline; "));
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_in_words(840), "840 bytes");
        assert_eq!(size_in_words(55_100), "56 KB");
        assert_eq!(size_in_words(2_345_678), "2.4 MB");
        assert_eq!(size_in_words(5_000_000), "5.0 MB");
    }

    #[test]
    fn limits_are_checked() {
        let c = AttachmentsConfig { max_mb: 30, per_conversation_mb: 20, enabled: true };
        let fields: Vec<String> = c.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["attachments.max_mb", "attachments.per_conversation_mb"]);
        assert!(AttachmentsConfig::default().problems().is_empty());
    }
}
