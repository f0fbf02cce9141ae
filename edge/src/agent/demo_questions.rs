//! The built-in engine on the demo site's real content: questions a visitor of a crypto exchange
//! asks, each with the section that must answer it, and questions it must decline.

use super::BuiltinEngine;
use crate::test_support::demo_site;

#[test]
fn answers_come_from_the_right_section() {
    let engine = BuiltinEngine::new(&demo_site());
    let cases = [
        ("what are the withdrawal fees for bitcoin?", "/fees#withdrawal-fees"),
        ("How much does it cost to withdraw ETH?", "/fees#withdrawal-fees"),
        ("What are your trading fees?", "/fees#trading-fees"),
        ("How long do bitcoin deposits take?", "/deposits-withdrawals#deposit-confirmation-times"),
        ("my deposit is missing", "/deposits-withdrawals#missing-deposit"),
        ("what is the daily withdrawal limit?", "/deposits-withdrawals#withdrawal-limits"),
        ("How long does KYC take?", "/verification#how-long-verification-takes"),
        ("why was my verification rejected", "/verification#verification-rejected"),
        ("I lost my 2FA device", "/security#lost-your-2fa-device"),
        ("how do I turn on two-factor authentication", "/security#two-factor-authentication-2fa"),
    ];
    for (question, url) in cases {
        let reply = engine.answer(question);
        assert!(reply.grounded, "{question}: not answered");
        assert_eq!(reply.sources[0].url, url, "{question}: {}", reply.text);
    }
}

#[test]
fn questions_outside_the_content_are_declined() {
    let engine = BuiltinEngine::new(&demo_site());
    for question in [
        "What is the capital of France?",
        "How do I bake sourdough bread?",
        "Will bitcoin go up next week?",
        "Can I buy a Tesla with bitcoin?",
        "Do you offer margin trading on stocks?",
    ] {
        let reply = engine.answer(question);
        assert!(!reply.grounded, "{question}: answered with {:?}", reply.sources);
        assert!(reply.text.starts_with("I don't know that"));
    }
}
