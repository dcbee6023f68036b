//! 实时推送 — subscriptions, over WebSocket at `/graphql` (graphql-transport-ws): a
//! dashboard follows its region's projects and ledger as changes are committed, on any
//! server of the database, and after a reconnect asks for what it missed by the last
//! change's `cursor`. Each change is checked against what the subscriber may see when it
//! arrives, as a query would be.
use super::context::{ContextExt, SubscriptionToken};
use super::errors::{OrApiError, bad_input};
use super::funds::LedgerEntry;
use super::loaders::Loaders;
use super::node::decode_numeric;
use super::projects::Project;
use super::scalars::{Date, DateTime};
use crate::domain::changes::ChangeKind;
use crate::domain::region::RegionCode;
use crate::service::changes::{self, Follow, Followed};
use async_graphql::{Context, Enum, ID, InputObject, Object, Subscription};
use futures_util::{Stream, StreamExt};
use std::sync::Arc;

/// What kind of change a project had.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "ProjectChangeKind")]
pub enum ProjectChangeKind {
    /// A lifecycle step (申报、批复、交办、认领、开工、竣工、验收 …).
    Status,
    /// A progress report (进度填报).
    Progress,
    /// Money: an allocation, a payment or a reversal for the project (资金安排、拨付、冲销).
    Money,
}

impl From<ProjectChangeKind> for ChangeKind {
    fn from(kind: ProjectChangeKind) -> Self {
        match kind {
            ProjectChangeKind::Status => ChangeKind::Status,
            ProjectChangeKind::Progress => ChangeKind::Progress,
            ProjectChangeKind::Money => ChangeKind::Money,
        }
    }
}

impl From<ChangeKind> for ProjectChangeKind {
    fn from(kind: ChangeKind) -> Self {
        match kind {
            ChangeKind::Status => ProjectChangeKind::Status,
            ChangeKind::Progress => ProjectChangeKind::Progress,
            ChangeKind::Money => ProjectChangeKind::Money,
        }
    }
}

/// Which projects' changes to follow.
#[derive(InputObject)]
pub struct ProjectChangeFilter {
    /// The region (12-digit code) whose projects to follow; within your area.
    pub region_code: String,
    /// Only this project.
    pub project: Option<ID>,
    /// Only these kinds of change (all when left out).
    pub kinds: Option<Vec<ProjectChangeKind>>,
}

/// A change committed to a project.
pub struct ProjectChange(Followed);

/// A change committed to a project: a step, a progress report or money.
#[Object]
impl ProjectChange {
    /// The change's place in the feed: give it as `after` when subscribing again to receive
    /// the changes made since.
    async fn cursor(&self) -> String {
        self.0.event.id.to_string()
    }

    /// A step, a progress report or money.
    async fn kind(&self) -> ProjectChangeKind {
        ChangeKind::parse(&self.0.event.change).map_or(ProjectChangeKind::Status, Into::into)
    }

    /// The lifecycle action (e.g. `APPROVE`, `REPORT_PROGRESS`), or for money the entry's
    /// kind (`ALLOCATION`, `DISBURSEMENT` …).
    async fn detail(&self) -> &str {
        &self.0.event.detail
    }

    /// The business day of the change.
    async fn occurred_on(&self) -> Date {
        Date(self.0.event.occurred_on)
    }

    /// When it was recorded.
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.event.recorded_at)
    }

    /// The project as it is now.
    async fn project(&self) -> Option<Project> {
        self.0.project.clone().map(Project)
    }

    /// For money: the ledger entry.
    async fn entry(&self) -> Option<LedgerEntry> {
        self.0.entry.clone().map(LedgerEntry)
    }
}

/// A ledger entry committed.
pub struct LedgerEntryRecorded(Followed);

/// A ledger entry committed: a receipt, an allocation, a payment or a reversal.
#[Object]
impl LedgerEntryRecorded {
    /// The change's place in the feed: give it as `after` when subscribing again.
    async fn cursor(&self) -> String {
        self.0.event.id.to_string()
    }

    /// The entry's business day.
    async fn occurred_on(&self) -> Date {
        Date(self.0.event.occurred_on)
    }

    /// The entry as recorded.
    async fn entry(&self) -> Option<LedgerEntry> {
        self.0.entry.clone().map(LedgerEntry)
    }
}

/// The subscription root.
#[derive(Default)]
pub struct SubscriptionRoot;

fn region(code: &str, field: &str) -> async_graphql::Result<RegionCode> {
    RegionCode::parse(code).map_err(|m| bad_input(format!("{field}: {m}")))
}

fn cursor(after: Option<String>) -> async_graphql::Result<Option<i64>> {
    after
        .map(|a| {
            a.trim()
                .parse::<i64>()
                .map_err(|_| bad_input(format!("after: `{a}` is not a cursor from an earlier change")))
        })
        .transpose()
}

/// `stream` for as long as the connection's sign-in holds: before each change is delivered
/// its token is checked again, and the stream ends (the client is told `complete`) once the
/// token has expired, the account is disabled or deleted, or its role or area changed.
fn while_signed_in<T: Send + 'static, S: Stream<Item = T> + Send + 'static>(
    ctx: &Context<'_>,
    stream: S,
) -> async_graphql::Result<impl Stream<Item = T> + Send + 'static + use<T, S>> {
    let app = ctx.app()?;
    let actor = ctx.actor()?.clone();
    let token = ctx.data_opt::<SubscriptionToken>().map(|t| t.0.clone());
    let (db, tokens) = (app.db.clone(), app.tokens.clone());
    Ok(stream
        .then(move |item| {
            let (db, tokens, token, actor) = (db.clone(), tokens.clone(), token.clone(), actor.clone());
            async move {
                let token = token?;
                match crate::service::auth::actor_for_token(&db, &tokens, &token).await {
                    Ok(Ok(now)) if now == actor => Some(item),
                    _ => None,
                }
            }
        })
        .take_while(|item| std::future::ready(item.is_some()))
        .filter_map(std::future::ready))
}

/// Each change is read as it is when delivered, not as the connection's loaders first saw it.
fn fresh(loaders: &Option<Arc<Loaders>>) {
    if let Some(loaders) = loaders {
        loaders.forget();
    }
}

/// Changes as they are committed, over WebSocket at `/graphql` (graphql-transport-ws). Sign
/// in through the connection's init payload (`{"authorization": "Bearer <token>"}`); each
/// change is delivered only if you may see it when it arrives.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// 项目动态 — the projects of a region as they change: steps, progress reports, money.
    /// With `after` (a change's cursor), first the changes made since that one.
    async fn project_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which projects' changes to follow.")] filter: ProjectChangeFilter,
        #[graphql(desc = "A change's `cursor`: first the changes made since that one.")] after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = ProjectChange> + use<>> {
        let actor = ctx.actor()?;
        let project_id = filter
            .project
            .as_ref()
            .map(|id| decode_numeric(id, "Project", "project"))
            .transpose()
            .map_err(|f| bad_input(f.message))?;
        let what = Follow::Projects {
            region: region(&filter.region_code, "regionCode")?,
            project_id,
            kinds: filter.kinds.unwrap_or_default().into_iter().map(Into::into).collect(),
        };
        let app = ctx.app()?;
        let stream = changes::follow(&app.db, &app.feed, actor, what, cursor(after)?)
            .await
            .api()?;
        let loaders = ctx.data_opt::<Arc<Loaders>>().cloned();
        while_signed_in(
            ctx,
            stream.map(move |change| {
                fresh(&loaders);
                ProjectChange(change)
            }),
        )
    }

    /// 资金动态 — the ledger entries of a region as they are recorded (for those who may
    /// read the region's funds). With `after`, first the entries recorded since that cursor.
    async fn ledger_entry_recorded(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region (12-digit code) whose entries to follow.")] region_code: String,
        #[graphql(desc = "A change's `cursor`: first the entries recorded since that one.")] after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = LedgerEntryRecorded> + use<>> {
        let actor = ctx.actor()?;
        let what = Follow::Ledger {
            region: region(&region_code, "regionCode")?,
        };
        let app = ctx.app()?;
        let stream = changes::follow(&app.db, &app.feed, actor, what, cursor(after)?)
            .await
            .api()?;
        let loaders = ctx.data_opt::<Arc<Loaders>>().cloned();
        while_signed_in(
            ctx,
            stream.map(move |change| {
                fresh(&loaders);
                LedgerEntryRecorded(change)
            }),
        )
    }
}
