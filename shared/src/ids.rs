//! Identifiers, each checked once when parsed and trusted afterwards.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{kind} is empty")]
    Empty { kind: &'static str },
    #[error("{kind} is longer than {max} characters")]
    TooLong { kind: &'static str, max: usize },
    #[error("{kind} may contain only letters, digits, '-' and '_'")]
    BadCharacter { kind: &'static str },
}

/// Longest identifier accepted from a client.
pub const MAX_ID_LEN: usize = 64;

fn check(kind: &'static str, raw: &str) -> Result<(), IdError> {
    if raw.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if raw.len() > MAX_ID_LEN {
        return Err(IdError::TooLong { kind, max: MAX_ID_LEN });
    }
    if !raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(IdError::BadCharacter { kind });
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses an identifier: 1–64 characters of letters, digits, '-' and '_'.
            pub fn parse(raw: impl Into<String>) -> Result<Self, IdError> {
                let raw = raw.into();
                check($kind, &raw)?;
                Ok(Self(raw))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(raw: String) -> Result<Self, IdError> {
                Self::parse(raw)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A conversation's public identifier (not a secret: the token is).
    ConversationId,
    "conversation id"
);
id_type!(
    /// A stored message's identifier, unique across conversations.
    MessageId,
    "message id"
);
id_type!(
    /// The id a client gives a message it sends, so that a retry is recognised as the same message.
    ClientMessageId,
    "client_message_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_url_safe_ids() {
        assert_eq!(ConversationId::parse("c_AZaz09-x").unwrap().as_str(), "c_AZaz09-x");
    }

    #[test]
    fn rejects_empty_long_and_odd_ids() {
        assert!(matches!(ClientMessageId::parse(""), Err(IdError::Empty { .. })));
        assert!(matches!(ClientMessageId::parse("a".repeat(65)), Err(IdError::TooLong { .. })));
        assert!(matches!(ClientMessageId::parse("a/b"), Err(IdError::BadCharacter { .. })));
        assert!(matches!(ClientMessageId::parse("é"), Err(IdError::BadCharacter { .. })));
    }

    #[test]
    fn deserializing_checks_the_id() {
        assert!(serde_json::from_str::<MessageId>("\"ok_1\"").is_ok());
        let err = serde_json::from_str::<MessageId>("\"not ok\"").unwrap_err();
        assert!(err.to_string().contains("message id may contain only"));
    }
}
