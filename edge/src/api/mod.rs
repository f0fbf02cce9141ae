//! The HTTP API as plain values: a request in, a response out. Only `glue` converts to and from
//! the Workers runtime's types, so every route is tested natively.

pub mod admin;
pub mod admin_definitions;
pub mod admin_reports;
pub mod attachments;
pub mod canned;
pub mod clicks;
pub mod conversations;
pub mod cors;
pub mod erasure;
pub mod error;
pub mod exchange;
pub mod forms;
pub mod http;
pub mod inbox;
pub mod inbox_conversations;
pub mod live;
pub mod routes;
pub mod satisfaction;
pub mod security_headers;
pub mod tickets;

pub use error::ApiError;
pub use http::{HttpRequest, HttpResponse};

use crate::actions::execute::Network;
use crate::actions::runner::{ActionEnv, RunDeps};
use crate::agent::intent::ActionIndex;
use crate::agent::AnswerEngine;
use crate::conversation::Deps;
use crate::handoff::{HandoffDeps, HandoffEnv};
use crate::inbox::password::Kdf;
use crate::limits::RateLimiter;
use crate::live::stream::ReplyStream;
use crate::store::{
    ActionLogStore, AgentStore, ConsoleChangeStore, ConversationStore, ErasureStore, HandoffStore, InboxStore,
    ModelUsageStore, Stores,
};
use crate::token::Entropy;
use routes::Route;
use shared::site::SiteBundle;

/// Largest request body any route accepts; bigger ones get `413 payload_too_large`.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The most bytes a request's body may have: a file's upload the owner's `[attachments] max_mb`,
/// every other request [`MAX_BODY_BYTES`].
pub fn body_limit(method: &str, path: &str, attachments: &shared::attachment::AttachmentsConfig) -> usize {
    match routes::route(method, path) {
        Ok(route) if route.is_upload() => usize::try_from(attachments.max_bytes()).unwrap_or(usize::MAX),
        _ => MAX_BODY_BYTES,
    }
}

/// The refusal of a body over [`body_limit`], in the words its sender needs.
pub fn too_large(method: &str, path: &str, attachments: &shared::attachment::AttachmentsConfig) -> ApiError {
    match routes::route(method, path) {
        Ok(route) if route.is_upload() => {
            attachments::refused(shared::attachment::Refusal::TooLarge { max_mb: attachments.max_mb })
        }
        _ => ApiError::too_large(MAX_BODY_BYTES),
    }
}

/// What the API needs beyond a conversation turn: erasure, agents' accounts, the inbox and
/// password hashing, and the two secrets it checks.
pub trait ApiDeps:
    Deps<
    Store: ErasureStore
               + AgentStore
               + InboxStore
               + ConsoleChangeStore
               + crate::store::CannedStore
               + crate::store::reports::ReportStore,
>
{
    /// PBKDF2 for agents' passwords.
    type Kdf: Kdf;
    /// The key derivation.
    fn kdf(&self) -> &Self::Kdf;
    /// The owner's admin token, if set.
    fn admin_token(&self) -> Option<&str>;
    /// The site as its files say, before the owner's console changes (`Deps::site` is after them).
    fn files(&self) -> &SiteBundle;
    /// The owner's console changes as this isolate last read them.
    fn console(&self) -> &crate::console_site::ConsoleCache;
    /// The secret the owner's server signs user ids with (`IDENTITY_SECRET`), if set.
    fn identity_secret(&self) -> Option<&str>;
    /// The bucket for files sent in conversations.
    type Blobs: crate::attachments::Blobs;
    /// The bucket.
    fn blobs(&self) -> &Self::Blobs;
}

/// Everything a request needs: the site, storage, the rate limiter, the answering engine,
/// randomness, what actions need and the admin and identity secrets. The one place that names
/// the concrete types; everything else sees it through [`RunDeps`], [`Deps`] or [`ApiDeps`].
pub struct Edge<'a, S, L, E, R, N, K, B> {
    /// The owner's configuration, with the owner's console changes applied.
    pub site: &'a SiteBundle,
    /// The owner's configuration as its files say.
    pub files: &'a SiteBundle,
    /// The owner's console changes as this isolate last read them.
    pub console: &'a crate::console_site::ConsoleCache,
    /// Conversation storage and the action log.
    pub store: &'a S,
    /// Rate limits.
    pub limiter: &'a L,
    /// Writes the agent's replies.
    pub engine: &'a E,
    /// Randomness for ids and tokens.
    pub entropy: &'a R,
    /// The actions, indexed for the agent.
    pub intents: &'a ActionIndex,
    /// What running actions needs.
    pub actions: ActionEnv<'a, N>,
    /// The owner's admin token, if set.
    pub admin_token: Option<&'a str>,
    /// The secret the owner's server signs user ids with (`IDENTITY_SECRET`), if set.
    pub identity_secret: Option<&'a str>,
    /// PBKDF2 for agents' passwords (Web Crypto in the Worker).
    pub kdf: &'a K,
    /// What handoffs need: the office hours' time zone, the outbox of webhook deliveries.
    pub handoff: HandoffEnv<'a>,
    /// The value of `[llm] api_key`'s Worker secret, if set.
    pub model_key: Option<&'a str>,
    /// Where a reply being written is shown (the conversation's object; none elsewhere).
    pub shown: Option<&'a dyn ReplyStream>,
    /// The bucket for files sent in conversations (R2 in the Worker).
    pub blobs: &'a B,
}

impl<S: ActionLogStore, L: RateLimiter, E, R: Entropy, N: Network, K, B> RunDeps for Edge<'_, S, L, E, R, N, K, B> {
    type Store = S;
    type Limiter = L;
    type Entropy = R;
    type Network = N;

    fn site(&self) -> &SiteBundle {
        self.site
    }
    fn store(&self) -> &S {
        self.store
    }
    fn limiter(&self) -> &L {
        self.limiter
    }
    fn entropy(&self) -> &R {
        self.entropy
    }
    fn actions(&self) -> &ActionEnv<'_, N> {
        &self.actions
    }
}

impl<S, L, E, R, N, K, B> HandoffDeps for Edge<'_, S, L, E, R, N, K, B>
where
    S: ActionLogStore + ConversationStore + HandoffStore + InboxStore,
    L: RateLimiter,
    R: Entropy,
    N: Network,
{
    fn handoff_env(&self) -> HandoffEnv<'_> {
        self.handoff
    }
}

impl<S, L, E, R, N, K, B> Deps for Edge<'_, S, L, E, R, N, K, B>
where
    S: ActionLogStore + ConversationStore + HandoffStore + InboxStore + ModelUsageStore,
    L: RateLimiter,
    E: AnswerEngine,
    R: Entropy,
    N: Network,
{
    type Engine = E;

    fn engine(&self) -> &E {
        self.engine
    }
    fn intents(&self) -> &ActionIndex {
        self.intents
    }
    fn model_key(&self) -> Option<&str> {
        self.model_key
    }
    fn shown(&self) -> Option<&dyn ReplyStream> {
        self.shown
    }
}

impl<S, L, E, R, N, K, B> ApiDeps for Edge<'_, S, L, E, R, N, K, B>
where
    B: crate::attachments::Blobs,
    S: Stores,
    L: RateLimiter,
    E: AnswerEngine,
    R: Entropy,
    N: Network,
    K: Kdf,
{
    type Kdf = K;

    fn kdf(&self) -> &K {
        self.kdf
    }
    fn admin_token(&self) -> Option<&str> {
        self.admin_token
    }
    fn files(&self) -> &SiteBundle {
        self.files
    }
    fn console(&self) -> &crate::console_site::ConsoleCache {
        self.console
    }
    fn identity_secret(&self) -> Option<&str> {
        self.identity_secret
    }
    type Blobs = B;
    fn blobs(&self) -> &B {
        self.blobs
    }
}

/// Answers one API request at `now_ms` (Unix ms).
pub async fn handle<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> HttpResponse {
    let origin = req.header("origin").map(str::to_string);
    let mut response = if req.method == "OPTIONS" {
        cors::preflight()
    } else {
        match dispatch(edge, req, now_ms).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        }
    };
    cors::apply(&edge.site().agent, origin.as_deref(), &mut response);
    response
}

async fn dispatch<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    match route_request(edge, req, now_ms).await {
        // Naming conversations that do not exist is limited per address: ids cannot be guessed,
        // so only a prober or a stale tab does it, and each costs a lookup.
        Err(e) if e.code == shared::ErrorCode::ConversationNotFound => {
            let limits = crate::limits::keys::other_request(
                &edge.site().agent.limits,
                conversations::client_ip(req),
                "unknown-conversations",
            );
            conversations::take_or_refuse(edge, &limits, now_ms).await?;
            Err(e)
        }
        answer => answer,
    }
}

async fn route_request<D: ApiDeps>(edge: &D, req: &HttpRequest, now_ms: u64) -> Result<HttpResponse, ApiError> {
    let route = routes::route(&req.method, &req.path)?;
    let attachments = &edge.site().agent.attachments;
    if req.body.len() > body_limit(&req.method, &req.path, attachments) {
        return Err(too_large(&req.method, &req.path, attachments));
    }
    match route {
        Route::Site => Ok(conversations::public_site(edge.site())),
        Route::CreateConversation => conversations::create(edge, req, now_ms).await,
        Route::PostMessage(id) => conversations::post_message(edge, req, &id, now_ms).await,
        Route::ListMessages(id) => conversations::list_messages(edge, req, &id).await,
        Route::SubmitForm(id, message) => forms::submit(edge, req, &id, &message, now_ms).await,
        Route::ClickButton(id, message, button) => clicks::click(edge, req, &id, &message, &button, now_ms).await,
        Route::SetAttributes(id) => conversations::set_attributes(edge, req, &id, now_ms).await,
        Route::UploadFile(id) => attachments::visitor_upload(edge, req, &id, now_ms).await,
        Route::File(id, file) => attachments::visitor_download(edge, req, &id, &file).await,
        Route::InboxUploadFile(id) => attachments::agent_upload(edge, req, &id, now_ms).await,
        Route::InboxFile(id, file) => attachments::agent_download(edge, req, &id, &file, now_ms).await,
        Route::AdminActions => {
            admin::authorize(edge, req, now_ms).await?;
            admin::list(edge, now_ms).await
        }
        Route::AdminActionLogs(name) => {
            admin::authorize(edge, req, now_ms).await?;
            admin::logs(edge, req, &name).await
        }
        Route::AdminModelUsage => {
            admin::authorize(edge, req, now_ms).await?;
            admin::model_usage(edge, req).await
        }
        Route::AdminActionSwitch(name, set) => {
            let admin = admin::authorize(edge, req, now_ms).await?;
            admin::switch(edge, req, &name, set, &admin, now_ms).await
        }
        Route::AdminCreateAction => {
            let admin = admin::authorize(edge, req, now_ms).await?;
            admin_definitions::create(edge, req, &admin, now_ms).await
        }
        Route::AdminCheckAction => {
            admin::authorize(edge, req, now_ms).await?;
            admin_definitions::check(edge, req).await
        }
        Route::AdminActionDefinition(name) => {
            admin::authorize(edge, req, now_ms).await?;
            admin_definitions::download(edge, &name).await
        }
        Route::AdminReplaceAction(name) => {
            let admin = admin::authorize(edge, req, now_ms).await?;
            admin_definitions::replace(edge, req, &name, &admin, now_ms).await
        }
        Route::AdminRevertAction(name) => {
            admin::authorize(edge, req, now_ms).await?;
            admin_definitions::revert(edge, &name).await
        }
        Route::AdminReports => {
            admin::authorize(edge, req, now_ms).await?;
            admin_reports::report(edge, req, now_ms).await
        }
        Route::AdminReportsCsv => {
            admin::authorize(edge, req, now_ms).await?;
            admin_reports::csv(edge, req, now_ms).await
        }
        Route::AdminActionTest(name) => {
            admin::authorize(edge, req, now_ms).await?;
            admin::test(edge, req, &name, now_ms).await
        }
        Route::DeleteConversation(id) => erasure::delete_own(edge, req, &id).await,
        Route::AdminDeleteConversation(id) => {
            admin::authorize(edge, req, now_ms).await?;
            erasure::admin_delete(edge, &id).await
        }
        Route::AdminErasures => {
            admin::authorize(edge, req, now_ms).await?;
            erasure::erase(edge, req).await
        }
        Route::AdminAddAgent => inbox::add_agent(edge, req, now_ms).await,
        Route::AdminTeam => inbox::team(edge, req, now_ms).await,
        Route::AdminSetRole(id) => inbox::set_role(edge, req, &id, now_ms).await,
        Route::AdminSetPassword(id) => inbox::set_password(edge, req, &id, now_ms).await,
        Route::AdminDisableAgent(id, disabled) => inbox::disable_agent(edge, req, &id, disabled, now_ms).await,
        Route::AdminEndSessions(id) => inbox::end_sessions(edge, req, &id, now_ms).await,
        Route::InboxSignIn => inbox::sign_in(edge, req, now_ms).await,
        Route::InboxSignOut => inbox::sign_out(edge, req).await,
        Route::InboxMe => inbox::me(edge, req, now_ms).await,
        Route::Live(id) => live::open(edge, req, &id, now_ms).await,
        Route::AdminAgentMessage(id) => {
            admin::authorize(edge, req, now_ms).await?;
            live::agent_message(edge, req, &id, now_ms).await
        }
        Route::AdminAgentSignal(id) => {
            admin::authorize(edge, req, now_ms).await?;
            live::agent_signal(edge, req, &id).await
        }
        Route::InboxList => inbox_conversations::list(edge, req, now_ms).await,
        Route::InboxConversation(id) => inbox_conversations::show(edge, req, &id, now_ms).await,
        Route::InboxAct(id, act) => inbox_conversations::act(edge, req, &id, act, now_ms).await,
        Route::InboxWatch(id) => inbox_conversations::watch(edge, req, &id, now_ms).await,
        Route::InboxRead(id) => inbox_conversations::read(edge, req, &id, now_ms).await,
        Route::InboxLabels(id) => inbox_conversations::set_labels(edge, req, &id, now_ms).await,
        Route::InboxSnooze(id, on) => inbox_conversations::snooze(edge, req, &id, on, now_ms).await,
        Route::InboxAgents => inbox_conversations::agents(edge, req, now_ms).await,
        Route::InboxCanned => canned::list(edge, req, now_ms).await,
        Route::InboxAddCanned => canned::add(edge, req, now_ms).await,
        Route::InboxChangeCanned(id) => canned::change(edge, req, &id, now_ms).await,
        Route::InboxDeleteCanned(id) => canned::delete(edge, req, &id, now_ms).await,
        Route::InboxLive => inbox_conversations::inbox_socket(edge, req, now_ms).await,
    }
}

#[cfg(test)]
pub(crate) mod test_world;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_address_limits;
#[cfg(test)]
mod tests_attachments;
#[cfg(test)]
pub(crate) mod tests_buttons_lead;
#[cfg(test)]
mod tests_console_actions;
#[cfg(test)]
mod tests_erasure;
#[cfg(test)]
mod tests_handoff;
#[cfg(test)]
mod tests_inbox;
#[cfg(test)]
mod tests_inbox_conversations;
#[cfg(test)]
mod tests_live;
#[cfg(test)]
mod tests_model;
#[cfg(test)]
mod tests_object;
#[cfg(test)]
mod tests_reports;
#[cfg(test)]
mod tests_verification;
#[cfg(test)]
mod tests_write_path;
