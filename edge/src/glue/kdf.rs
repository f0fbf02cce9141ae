//! PBKDF2-SHA256 through the runtime's Web Crypto (`crypto.subtle.deriveBits`): native code in the
//! runtime, so 100,000 rounds take milliseconds instead of the wasm build's hundreds.

use crate::inbox::password::Kdf;
use wasm_bindgen::prelude::*;
use worker::js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use worker::wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = importKey)]
    fn import_key(
        format: &str,
        key_data: &Uint8Array,
        algorithm: &str,
        extractable: bool,
        usages: &Array,
    ) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = deriveBits)]
    fn derive_bits(algorithm: &Object, key: &JsValue, length: u32) -> Result<Promise, JsValue>;
}

/// Web Crypto's PBKDF2.
pub struct WebCryptoKdf;

fn describe(e: JsValue) -> String {
    e.as_string().or_else(|| Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string())).unwrap_or_default()
}

impl Kdf for WebCryptoKdf {
    async fn pbkdf2_sha256(&self, password: &[u8], salt: &[u8], iterations: u32) -> Result<[u8; 32], String> {
        let usages = Array::of1(&"deriveBits".into());
        let key =
            JsFuture::from(import_key("raw", &Uint8Array::from(password), "PBKDF2", false, &usages).map_err(describe)?)
                .await
                .map_err(describe)?;
        let algorithm = Object::new();
        for (name, value) in [
            ("name", JsValue::from_str("PBKDF2")),
            ("hash", JsValue::from_str("SHA-256")),
            ("salt", Uint8Array::from(salt).into()),
            ("iterations", JsValue::from_f64(f64::from(iterations))),
        ] {
            Reflect::set(&algorithm, &name.into(), &value).map_err(describe)?;
        }
        let bits = JsFuture::from(derive_bits(&algorithm, &key, 256).map_err(describe)?).await.map_err(describe)?;
        Uint8Array::new(&bits).to_vec().try_into().map_err(|_| "Web Crypto returned the wrong length".to_string())
    }
}
