//! JSON for the widget, written by hand for size: the browser's `JSON.parse` reads the text and
//! [`Js`] walks the value it made into our `serde` types; requests are written as JSON text by
//! [`Writer`]. Neither formats an error message: a value that does not fit is [`Invalid`], which
//! keeps std's float printing and serde's error texts (kilobytes of wasm) out of the widget. The
//! crates that do this (serde_json, serde-wasm-bindgen) weighed more than all their callers.

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};
use std::fmt::{self, Display};
use wasm_bindgen::{JsCast, JsValue};

/// Parses JSON text into `T`; `None` if it is not JSON or not a `T`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Option<T> {
    let value = js_sys::JSON::parse(text).ok()?;
    T::deserialize(Js(value)).ok()
}

/// `value` as JSON text (maps become objects, as the API expects); `None` for what JSON cannot
/// say here (a fraction, bytes, a map key that is not text).
pub fn stringify(value: &impl Serialize) -> Option<String> {
    let mut out = String::new();
    value.serialize(Writer(&mut out)).ok()?;
    Some(out)
}

/// A value that does not fit the type asked for. It carries no text on purpose (see the module).
#[derive(Debug)]
pub struct Invalid;

impl Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid JSON for this type")
    }
}

impl std::error::Error for Invalid {}

// Every provided method overridden: serde's defaults build a message (`format_args!`) first.
impl de::Error for Invalid {
    fn custom<T: Display>(_: T) -> Self {
        Invalid
    }
    fn invalid_type(_: de::Unexpected, _: &dyn de::Expected) -> Self {
        Invalid
    }
    fn invalid_value(_: de::Unexpected, _: &dyn de::Expected) -> Self {
        Invalid
    }
    fn invalid_length(_: usize, _: &dyn de::Expected) -> Self {
        Invalid
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        Invalid
    }
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        Invalid
    }
    fn missing_field(_: &'static str) -> Self {
        Invalid
    }
    fn duplicate_field(_: &'static str) -> Self {
        Invalid
    }
}

impl ser::Error for Invalid {
    fn custom<T: Display>(_: T) -> Self {
        Invalid
    }
}

/// A value made by `JSON.parse`, read as a `serde` data format.
struct Js(JsValue);

/// The largest integer a JS number holds exactly (2^53 − 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

impl<'de> de::Deserializer<'de> for Js {
    type Error = Invalid;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        match classify(self.0).ok_or(Invalid)? {
            Kind::Null => visitor.visit_unit(),
            Kind::Bool(b) => visitor.visit_bool(b),
            Kind::Whole(n) => visitor.visit_u64(n),
            Kind::Negative(n) => visitor.visit_i64(n),
            Kind::Number(n) => visitor.visit_f64(n),
            Kind::Text(s) => visitor.visit_string(s),
            Kind::Array(items) => visitor.visit_seq(Items { items: items.into_iter(), value: None }),
            Kind::Object(entries) => visitor.visit_map(Items { items: entries.into_iter(), value: None }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        if self.0.is_null() || self.0.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Invalid> {
        visitor.visit_newtype_struct(self)
    }

    /// Externally tagged: `"variant"` for a unit variant, `{"variant": value}` for one with data.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Invalid> {
        if let Some(s) = self.0.as_string() {
            return visitor.visit_enum(s.into_deserializer());
        }
        let object = self.0.dyn_into::<js_sys::Object>().map_err(|_| Invalid)?;
        let entries = js_sys::Object::entries(&object);
        if entries.length() != 1 {
            return Err(Invalid);
        }
        let pair = js_sys::Array::from(&entries.get(0));
        visitor.visit_enum(Variant { tag: pair.get(0), value: pair.get(1) })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// What a JSON value is, read once by [`classify`].
enum Kind {
    Null,
    Bool(bool),
    /// A whole number from 0 to 2^53 − 1 (serde's integer types take no floats).
    Whole(u64),
    /// A whole number from −(2^53 − 1) to −1.
    Negative(i64),
    Number(f64),
    Text(String),
    /// The items.
    Array(Vec<JsValue>),
    /// The `[key, value]` entries.
    Object(Vec<JsValue>),
}

/// Reads what `value` is; `None` for what JSON cannot hold (a function, a symbol). Not generic
/// and never inlined: one copy serves every type read (inlined, it was copied into each).
#[inline(never)]
fn classify(value: JsValue) -> Option<Kind> {
    if value.is_null() || value.is_undefined() {
        return Some(Kind::Null);
    }
    if let Some(b) = value.as_bool() {
        return Some(Kind::Bool(b));
    }
    if let Some(n) = value.as_f64() {
        return Some(match n {
            n if n.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(&n) => Kind::Whole(n as u64),
            n if n.fract() == 0.0 && (-MAX_SAFE_INTEGER..0.0).contains(&n) => Kind::Negative(n as i64),
            n => Kind::Number(n),
        });
    }
    if let Some(s) = value.as_string() {
        return Some(Kind::Text(s));
    }
    if let Some(array) = value.dyn_ref::<js_sys::Array>() {
        return Some(Kind::Array(array.to_vec()));
    }
    let object = value.dyn_ref::<js_sys::Object>()?;
    Some(Kind::Object(js_sys::Object::entries(object).to_vec()))
}

/// An array's items, or an object's `[key, value]` entries.
struct Items {
    items: std::vec::IntoIter<JsValue>,
    /// The value of the entry whose key was just read.
    value: Option<JsValue>,
}

impl<'de> de::SeqAccess<'de> for Items {
    type Error = Invalid;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Invalid> {
        self.items.next().map(|item| seed.deserialize(Js(item))).transpose()
    }
}

impl<'de> de::MapAccess<'de> for Items {
    type Error = Invalid;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Invalid> {
        let Some(entry) = self.items.next() else { return Ok(None) };
        let pair = js_sys::Array::from(&entry);
        self.value = Some(pair.get(1));
        seed.deserialize(Js(pair.get(0))).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Invalid> {
        seed.deserialize(Js(self.value.take().ok_or(Invalid)?))
    }
}

/// An enum variant written as `{"tag": value}`.
struct Variant {
    tag: JsValue,
    value: JsValue,
}

impl<'de> de::EnumAccess<'de> for Variant {
    type Error = Invalid;
    type Variant = Js;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Js), Invalid> {
        Ok((seed.deserialize(Js(self.tag))?, Js(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for Js {
    type Error = Invalid;

    fn unit_variant(self) -> Result<(), Invalid> {
        Err(Invalid) // a unit variant is a plain string, never `{"tag": …}`
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Invalid> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Invalid> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Invalid> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}

/// Writes a value as JSON text.
struct Writer<'a>(&'a mut String);

/// Appends `s` as a JSON string.
fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends an integer's digits (by hand: `Display` would do, but this is all that is needed).
fn write_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[i..].iter().for_each(|d| out.push(char::from(*d)));
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Invalid;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = ser::Impossible<(), Invalid>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = ser::Impossible<(), Invalid>;

    fn serialize_bool(self, v: bool) -> Result<(), Invalid> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Invalid> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Invalid> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Invalid> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Invalid> {
        if v < 0 {
            self.0.push('-');
        }
        write_u64(self.0, v.unsigned_abs());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Invalid> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Invalid> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Invalid> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Invalid> {
        write_u64(self.0, v);
        Ok(())
    }
    /// No request carries a fraction, and printing one would bring std's float formatting.
    fn serialize_f32(self, _: f32) -> Result<(), Invalid> {
        Err(Invalid)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Invalid> {
        Err(Invalid)
    }
    fn serialize_char(self, v: char) -> Result<(), Invalid> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Invalid> {
        write_str(self.0, v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Invalid> {
        Err(Invalid)
    }
    fn serialize_none(self) -> Result<(), Invalid> {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Invalid> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Invalid> {
        self.0.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Invalid> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Invalid> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, value: &T) -> Result<(), Invalid> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Invalid> {
        self.0.push('{');
        write_str(self.0, variant);
        self.0.push(':');
        value.serialize(Writer(self.0))?;
        self.0.push('}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Invalid> {
        self.0.push('[');
        Ok(Compound { out: self.0, first: true, close: ']' })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, Invalid> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>, Invalid> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Invalid> {
        Err(Invalid)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, Invalid> {
        self.0.push('{');
        Ok(Compound { out: self.0, first: true, close: '}' })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Invalid> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Invalid> {
        Err(Invalid)
    }
}

/// An array or object being written: `close` ends it.
struct Compound<'a> {
    out: &'a mut String,
    first: bool,
    close: char,
}

impl Compound<'_> {
    fn comma(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.out.push(',');
        }
    }

    fn end(self) -> Result<(), Invalid> {
        self.out.push(self.close);
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Invalid;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Invalid> {
        self.comma();
        value.serialize(Writer(self.out))
    }
    fn end(self) -> Result<(), Invalid> {
        Compound::end(self)
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Invalid;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Invalid> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Invalid> {
        Compound::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Invalid;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Invalid> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Invalid> {
        Compound::end(self)
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Invalid;
    /// JSON keys are strings: any other key is refused rather than written as invalid JSON.
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Invalid> {
        self.comma();
        let start = self.out.len();
        key.serialize(Writer(self.out))?;
        if !self.out[start..].starts_with('"') {
            return Err(Invalid);
        }
        self.out.push(':');
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Invalid> {
        value.serialize(Writer(self.out))
    }
    fn end(self) -> Result<(), Invalid> {
        Compound::end(self)
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Invalid;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), Invalid> {
        self.comma();
        write_str(self.out, key);
        self.out.push(':');
        value.serialize(Writer(self.out))
    }
    fn end(self) -> Result<(), Invalid> {
        Compound::end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::stringify;
    use shared::api::{CreateConversationRequest, Lead, PostMessageRequest, SubmitFormRequest};
    use shared::form::FieldValue;

    #[test]
    fn requests_are_written_as_the_edge_reads_them() {
        let post = PostMessageRequest { text: "fees?".into(), client_message_id: "abc".into() };
        assert_eq!(stringify(&post).unwrap(), r#"{"text":"fees?","client_message_id":"abc"}"#);
        let mut create = CreateConversationRequest {
            lead: Some(Lead { email: Some("ana@example.com".into()), name: None }),
            ..Default::default()
        };
        create.attributes.insert("plan".into(), "pro".into());
        let text = stringify(&create).unwrap();
        assert_eq!(serde_json::from_str::<CreateConversationRequest>(&text).unwrap(), create, "{text}");
        let mut submit = SubmitFormRequest { values: Default::default() };
        submit.values.insert("agree".into(), FieldValue::Flag(true));
        submit.values.insert("coins".into(), FieldValue::Many(vec!["BTC".into(), "ETH".into()]));
        submit.values.insert("n".into(), FieldValue::Text("3".into()));
        assert_eq!(stringify(&submit).unwrap(), r#"{"values":{"agree":true,"coins":["BTC","ETH"],"n":"3"}}"#);
    }

    #[test]
    fn strings_are_escaped_so_no_text_can_break_out() {
        let post =
            PostMessageRequest { text: "a\"b\\c\n\u{1}</script>\u{2028}é".into(), client_message_id: "x".into() };
        let text = stringify(&post).unwrap();
        assert_eq!(serde_json::from_str::<PostMessageRequest>(&text).unwrap(), post, "{text}");
        assert!(text.contains(r#"a\"b\\c\u000a\u0001"#), "{text}");
    }

    #[test]
    fn integers_are_exact_and_fractions_refused() {
        assert_eq!(
            stringify(&(0u64, u64::MAX, i64::MIN, -7i32)).unwrap(),
            "[0,18446744073709551615,-9223372036854775808,-7]"
        );
        assert_eq!(stringify(&1.5f64), None);
    }

    #[test]
    fn map_keys_must_be_text() {
        let mut by_number = std::collections::BTreeMap::new();
        by_number.insert(1u8, "one");
        assert_eq!(stringify(&by_number), None);
    }
}
