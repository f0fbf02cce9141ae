//! Files both ways through the conversations' objects, attacks first: a page dressed as a
//! picture, an oversized file, a stranger's token, an agent who does not have the conversation;
//! then a picture from the visitor, a PDF from the agent, a retry, the quota, erasure.

use super::tests::{block_on, World};
use super::tests_handoff::{site_with, HANDOFF};
use super::tests_inbox_conversations::{act, agent, as_agent, code, json_of, request, Signed};
use super::HttpResponse;
use crate::attachments::{prefix, Blobs};
use shared::ConversationId;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

fn upload(w: &World, id: &str, token: &str, name: &str, bytes: &[u8], client: &str) -> HttpResponse {
    let path = format!("/api/v1/conversations/{id}/attachments?name={name}&client_message_id={client}");
    let mut req = request("POST", &path, &[("authorization", &format!("Bearer {token}"))], "");
    req.body = bytes.to_vec();
    w.respond(&req)
}

fn download(w: &World, id: &str, token: Option<&str>, file: &str) -> HttpResponse {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer.iter().map(|b| ("authorization", b.as_str())).collect();
    w.respond(&request("GET", &format!("/api/v1/conversations/{id}/attachments/{file}"), &headers, ""))
}

fn header<'a>(r: &'a HttpResponse, name: &str) -> &'a str {
    let file = r.file.as_ref().expect("a file to send");
    file.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_default()
}

fn kept(w: &World) -> usize {
    w.blobs.files.borrow().len()
}

#[test]
fn a_visitor_sends_a_picture_and_only_their_token_or_an_agent_reads_it() {
    let w = World::with_site(site_with(HANDOFF));
    let (id, token) = w.start();
    let r = upload(&w, &id, &token, "screen shot.png", PNG, "f1");
    assert_eq!(r.status, 201, "{}", r.body);
    let messages = json_of(&r)["messages"].as_array().unwrap().clone();
    let file = &messages[0]["attachment"];
    assert_eq!((file["name"].as_str(), file["content_type"].as_str()), (Some("screen shot.png"), Some("image/png")));
    assert_eq!(file["size"], PNG.len());
    // The AI cannot read it and says so, and who can.
    assert!(messages[1]["text"].as_str().unwrap().contains("can't open files"), "{}", messages[1]);
    let file_id = file["id"].as_str().unwrap();
    let key = format!("{}{file_id}", prefix(&ConversationId::parse(&id).unwrap()));
    assert_eq!(w.blobs.files.borrow()[&key], (PNG.to_vec(), "image/png".to_string()));

    let served = download(&w, &id, Some(&token), file_id);
    assert_eq!((served.status, served.file.as_ref().unwrap().key.as_str()), (200, key.as_str()));
    assert_eq!(header(&served, "content-type"), "image/png");
    assert!(header(&served, "content-disposition").starts_with("inline; filename=\"screen shot.png\""));
    assert_eq!(header(&served, "x-content-type-options"), "nosniff");
    assert_eq!(header(&served, "content-security-policy"), "default-src 'none'; sandbox");

    // A stranger: another conversation's token, no token, a file of another conversation.
    let (other, other_token) = w.start();
    assert_eq!(code(&download(&w, &id, Some(&other_token), file_id)), (403, "invalid_token".into()));
    assert_eq!(code(&download(&w, &id, None, file_id)), (401, "missing_token".into()));
    assert_eq!(code(&download(&w, &other, Some(&other_token), file_id)), (404, "not_found".into()));
    assert!(download(&w, &other, Some(&other_token), file_id).file.is_none());

    // An agent reads it from the inbox with their session; the list says what the visitor sent.
    let ana = agent(&w, "Ana", "agent");
    let rows = json_of(&as_agent(&w, &ana, "GET", "/api/v1/inbox/conversations?view=ai", ""));
    let row = rows["conversations"].as_array().unwrap().iter().find(|r| r["id"] == id.as_str()).unwrap().clone();
    assert_eq!(row["preview"], "File: screen shot.png");
    let path = format!("/api/v1/inbox/conversations/{id}/attachments/{file_id}");
    let seen = as_agent(&w, &ana, "GET", &path, "");
    assert_eq!((seen.status, seen.file.as_ref().map(|f| f.key.as_str())), (200, Some(key.as_str())));
    let cookieless = w.respond(&request("GET", &path, &[("sec-fetch-site", "same-origin")], ""));
    assert_eq!(code(&cookieless), (401, "not_signed_in".into()));
}

#[test]
fn pages_dressed_as_pictures_oversized_and_switched_off_files_are_refused_and_nothing_is_kept() {
    let w = World::with_site(site_with("[attachments]\nmax_mb = 1\nper_conversation_mb = 1\n"));
    let (id, token) = w.start();
    let page = b"<html><script>alert(document.cookie)</script></html>";
    let r = upload(&w, &id, &token, "cat.png", page, "f1");
    assert_eq!(code(&r), (415, "unsupported_media_type".into()));
    assert!(json_of(&r)["error"]["message"].as_str().unwrap().contains("Only pictures (PNG, JPEG, GIF, WebP), PDF"));
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
    assert_eq!(code(&upload(&w, &id, &token, "logo.svg", svg, "f2")).0, 415);
    let mut big = PNG.to_vec();
    big.resize(1_000_001, 0);
    let r = upload(&w, &id, &token, "big.png", &big, "f3");
    assert_eq!(code(&r), (413, "payload_too_large".into()));
    assert_eq!(json_of(&r)["error"]["message"], "The file is too large: files can be at most 1 MB.");
    assert_eq!(kept(&w), 0);
    assert_eq!(
        w.call("GET", &format!("/api/v1/conversations/{id}/messages"), Some(&token), "").1["messages"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "only the greeting"
    );

    // The quota: 0.6 MB kept, another 0.6 MB is too much for this conversation.
    let mut part = PNG.to_vec();
    part.resize(600_000, 0);
    assert_eq!(upload(&w, &id, &token, "a.png", &part, "f4").status, 201);
    let r = upload(&w, &id, &token, "b.png", &part, "f5");
    assert_eq!(code(&r), (409, "conversation_full".into()));
    assert_eq!(kept(&w), 1);

    let off = World::with_site(site_with("[attachments]\nenabled = false\n"));
    let (id, token) = off.start();
    assert_eq!(code(&upload(&off, &id, &token, "a.png", PNG, "f1")), (403, "files_off".into()));
}

#[test]
fn a_retried_upload_keeps_one_file_and_one_message() {
    let w = World::with_site(site_with(""));
    let (id, token) = w.start();
    let first = upload(&w, &id, &token, "a.png", PNG, "same");
    let again = upload(&w, &id, &token, "a.png", PNG, "same");
    assert_eq!((first.status, again.status), (201, 200));
    assert_eq!(json_of(&first)["messages"], json_of(&again)["messages"]);
    assert_eq!(kept(&w), 1);
    // A text message's client id is no file's.
    let said = serde_json::json!({"text": "hello", "client_message_id": "text-1"}).to_string();
    assert_eq!(w.call("POST", &format!("/api/v1/conversations/{id}/messages"), Some(&token), &said).0, 200);
    assert_eq!(code(&upload(&w, &id, &token, "a.png", PNG, "text-1")), (400, "invalid_field".into()));
}

fn handed_to(w: &World, ana: &Signed) -> (String, String) {
    let (id, token) = w.start();
    let body = serde_json::json!({"text": "I want to talk to a person", "client_message_id": "h1"}).to_string();
    assert_eq!(w.call("POST", &format!("/api/v1/conversations/{id}/messages"), Some(&token), &body).0, 200);
    assert_eq!(act(w, ana, &id, "claim", "").status, 200);
    (id, token)
}

fn agent_upload(w: &World, who: &Signed, id: &str, name: &str, bytes: &[u8], client: &str) -> HttpResponse {
    let path = format!("/api/v1/inbox/conversations/{id}/attachments?name={name}&client_message_id={client}");
    let mut req = request(
        "POST",
        &path,
        &[
            ("cookie", &who.cookie),
            ("origin", super::tests_inbox_conversations::SELF),
            ("sec-fetch-site", "same-origin"),
        ],
        "",
    );
    req.body = bytes.to_vec();
    w.respond(&req)
}

#[test]
fn the_agent_who_has_the_conversation_sends_a_document_and_the_visitor_downloads_it() {
    let w = World::with_site(site_with(HANDOFF));
    let (ana, ben) = (agent(&w, "Ana", "agent"), agent(&w, "Ben", "agent"));
    let (id, token) = handed_to(&w, &ana);
    assert_eq!(code(&agent_upload(&w, &ben, &id, "x.pdf", PDF, "a1")), (403, "not_assignee".into()));
    let r = agent_upload(&w, &ana, &id, "Refund form.pdf", PDF, "a2");
    assert_eq!(r.status, 201, "{}", r.body);
    let message = json_of(&r);
    assert_eq!((message["author"].as_str(), message["author_name"].as_str()), (Some("agent"), Some("Ana")));
    let file_id = message["attachment"]["id"].as_str().unwrap().to_string();
    assert_eq!(agent_upload(&w, &ana, &id, "Refund form.pdf", PDF, "a2").status, 200, "a retry");
    assert_eq!(kept(&w), 1);
    let served = download(&w, &id, Some(&token), &file_id);
    assert_eq!(header(&served, "content-type"), "application/pdf");
    assert!(header(&served, "content-disposition").starts_with("attachment; filename=\"Refund form.pdf\""));
    // The visitor's own file while a person has the conversation: no word from the AI.
    let r = upload(&w, &id, &token, "photo.jpg", b"\xff\xd8\xff\xe0\0\x10JFIF\0", "v1");
    assert_eq!(json_of(&r)["messages"].as_array().unwrap().len(), 1, "{}", r.body);
}

#[test]
fn deleting_a_conversation_deletes_its_files_and_a_failing_bucket_deletes_nothing() {
    let w = World::with_site(site_with(""));
    let (id, token) = w.start();
    let (other, other_token) = w.start();
    assert_eq!(upload(&w, &id, &token, "a.png", PNG, "f1").status, 201);
    assert_eq!(upload(&w, &other, &other_token, "b.png", PNG, "f1").status, 201);
    w.blobs.failing.set(true);
    assert_eq!(w.call("DELETE", &format!("/api/v1/conversations/{id}"), Some(&token), "").0, 500);
    assert_eq!(w.call("GET", &format!("/api/v1/conversations/{id}/messages"), Some(&token), "").0, 200, "kept");
    w.blobs.failing.set(false);
    assert_eq!(w.call("DELETE", &format!("/api/v1/conversations/{id}"), Some(&token), "").0, 204);
    let left: Vec<String> = w.blobs.files.borrow().keys().cloned().collect();
    assert_eq!(left.len(), 1);
    assert!(left[0].starts_with(&prefix(&ConversationId::parse(&other).unwrap())));
    block_on(w.blobs.delete_all("conversations/")).unwrap();
}
