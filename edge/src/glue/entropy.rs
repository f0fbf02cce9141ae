//! Randomness from the runtime's Web Crypto.

use crate::token::Entropy;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
}

/// `crypto.getRandomValues`.
pub struct RuntimeEntropy;

impl Entropy for RuntimeEntropy {
    fn fill(&self, buf: &mut [u8]) {
        // getRandomValues accepts at most 65536 bytes per call.
        for chunk in buf.chunks_mut(65_536) {
            get_random_values(chunk);
        }
    }
}
