//! Bench (not a test): calls each rate-limit object receives when 1,000 conversations are opened
//! from 1,000 addresses and each visitor then sends one message, before sharding (one `Limits`
//! object) and after (`limits::shards::SHARDS` objects, routed by `shard_of`, as the Worker
//! routes them). Run: `cargo run -p edge --example limits_spread --release`.

use edge::limits::keys::{conversation_creation, visitor_write};
use edge::limits::shards::{shard_of, SHARDS};
use shared::site::VisitorLimits;
use shared::ConversationId;

fn main() {
    let limits = VisitorLimits::default();
    let mut calls = vec![0usize; SHARDS];
    let mut total = 0;
    for i in 0..1000u32 {
        // Addresses as a real audience spreads them: every octet varies.
        let ip = format!("{}.{}.{}.{}", 1 + (i * 37) % 223, (i * 91) % 256, (i * 53) % 256, 1 + (i * 17) % 254);
        let conversation = ConversationId::parse(format!("c{i:016}")).expect("an id");
        // Creating the conversation: the address's creation window (one call, in the Worker).
        let created = conversation_creation(&limits, Some(&ip));
        // One message: the address's write window, leased by the conversation's object (its own
        // window stays in the conversation's object: no call).
        let wrote: Vec<_> =
            visitor_write(&limits, Some(&ip), &conversation).into_iter().filter(|l| l.key.starts_with("ip:")).collect();
        for limit in created.iter().chain(&wrote) {
            calls[shard_of(&limit.key)] += 1;
            total += 1;
        }
    }
    let busiest = calls.iter().max().copied().unwrap_or(0);
    println!("1,000 conversations opened from 1,000 addresses, one message each: {total} rate-limit calls");
    println!("before: 1 object takes all {total} calls");
    println!("after:  {SHARDS} objects; calls per object: {calls:?}");
    println!("        the busiest takes {busiest} ({:.1}% of them)", 100.0 * busiest as f64 / total as f64);
}
