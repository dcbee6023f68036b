//! 问题整改台账 — `rectificationIssues`, `rectificationSummary`, and the two mutations that
//! write the ledger: `rectificationIssueFile` (a verifier files a problem) and
//! `rectificationIssueStep` (each later step, as the lifecycle table allows).
use super::context::ContextExt;
use super::departments::{Department, department_of};
use super::errors::{OrApiError, UserError, from_service, internal, payload};
use super::node::{decode_numeric, global_id};
use super::object::Plain;
use super::pagination::{ConnectionOf, connection, cost, page_request};
use super::projects::{Project, visible_projects};
use super::regions::{Region, region_of};
use super::scalars::{Date, DateTime, Decimal};
use crate::domain::calendar;
use crate::domain::fault::Fault;
use crate::domain::rectification::{
    self as rules, ConcernKind, FILED, Grouping, IssueAction, IssueSource, IssueStatus, Tally,
};
use crate::service::rectification::{self as svc, Concern, IssueFilter, IssueInput, StepInput, SummaryGroup};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{rectification_concern, rectification_event, rectification_issue};

pub struct RectificationIssue(pub rectification_issue::Model);

impl RectificationIssue {
    fn current(&self) -> async_graphql::Result<IssueStatus> {
        svc::status_of(&self.0).map_err(from_service)
    }
}

/// 问题整改台账 — one problem fed back by an inspection, an audit or a self-check, with the
/// unit that rectifies it, its measures and deadline, and every step to its closing
/// (动态销号). A department sees the problems given to it, a township those given to it,
/// county roles every problem of their area.
#[Object]
impl RectificationIssue {
    /// The problem's opaque global ID.
    pub async fn id(&self) -> ID {
        global_id("RectificationIssue", self.0.id)
    }
    /// The county whose ledger it is in (its 12-digit code).
    async fn county_code(&self) -> &str {
        &self.0.county_code
    }
    /// 问题来源 — who found it.
    async fn source(&self) -> async_graphql::Result<IssueSource> {
        svc::source_of(&self.0).map_err(from_service)
    }
    /// 批次 — the feedback it came in, e.g. "2026年省市反馈问题".
    async fn batch(&self) -> &str {
        &self.0.batch
    }
    /// The batch's document number (文号).
    async fn batch_document_no(&self) -> Option<&str> {
        self.0.batch_document_no.as_deref()
    }
    /// The batch's date.
    async fn batch_date(&self) -> Option<Date> {
        self.0.batch_date.map(Date)
    }
    /// 问题类别, as the county classifies it (e.g. 项目管理, 资金使用).
    async fn category(&self) -> &str {
        &self.0.category
    }
    /// 问题描述.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// What the problem concerns: projects, fund lines, ledger entries, townships or
    /// villages, departments.
    async fn concerns(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RectificationConcern>> {
        let rows = ctx.loaders()?.rectification_concerns.load_one(&self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(RectificationConcern).collect())
    }
    /// 责任单位 when it is a department; null when it is a township.
    async fn responsible_department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.0.unit_department_id).await
    }
    /// 责任单位 when it is a township; null when it is a department.
    async fn responsible_township(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Region>>> {
        region_of(ctx, self.0.unit_township_code.as_deref()).await
    }
    /// 责任人, as the ledger names them.
    async fn responsible_person(&self) -> &str {
        &self.0.responsible_person
    }
    /// The responsible person's account, if one was named (its global ID).
    async fn responsible_user_id(&self) -> Option<ID> {
        self.0.responsible_user_id.map(|id| global_id("User", id))
    }
    /// 整改措施.
    async fn measures(&self) -> &str {
        &self.0.measures
    }
    /// 整改时限 — the day by which it must be rectified.
    async fn deadline(&self) -> Date {
        Date(self.0.deadline)
    }
    /// 长效机制 — whether rectifying it needs a lasting rule, not only a fix.
    async fn lasting_mechanism(&self) -> bool {
        self.0.lasting_mechanism
    }
    /// 整改状态 now.
    async fn status(&self) -> async_graphql::Result<IssueStatus> {
        self.current()
    }
    /// The day it was filed.
    async fn filed_on(&self) -> Date {
        Date(self.0.filed_on)
    }
    /// 逾期 — past its deadline and not closed, today (China time). A problem reported done
    /// still counts until it is verified and closed.
    async fn overdue(&self) -> async_graphql::Result<bool> {
        Ok(rules::is_overdue(self.current()?, self.0.deadline, calendar::today()))
    }
    /// How many days past its deadline it is today; null when it is not overdue.
    async fn days_overdue(&self) -> async_graphql::Result<Option<i32>> {
        Ok(rules::days_overdue(self.current()?, self.0.deadline, calendar::today())
            .map(|d| i32::try_from(d).unwrap_or(i32::MAX)))
    }
    /// Its state at the end of a past day, read from the steps' business dates; null
    /// before it was filed.
    async fn status_on(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day (China time).")] date: Date,
    ) -> async_graphql::Result<Option<IssueStatus>> {
        let events = ctx.loaders()?.rectification_events.load_one(&self.0.id).await?;
        let steps: Vec<_> = events
            .unwrap_or_default()
            .iter()
            .filter_map(|e| IssueStatus::parse(&e.to_status).map(|s| (e.happened_on, e.id, s)))
            .collect();
        Ok(rules::status_on(&steps, date.0))
    }
    /// Bumped by every step: give it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Every step, by day and then recording: the filing, taking it up, the submission with
    /// its evidence, the verification (closed or returned), a reopening.
    async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RectificationStep>> {
        let events = ctx.loaders()?.rectification_events.load_one(&self.0.id).await?;
        Ok(events.unwrap_or_default().into_iter().map(RectificationStep).collect())
    }
    /// Who filed it (username).
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
}

pub struct RectificationConcern(rectification_concern::Model);

/// 涉及 — one thing a problem concerns.
#[Object]
impl RectificationConcern {
    /// What kind of thing it is.
    async fn kind(&self) -> async_graphql::Result<ConcernKind> {
        ConcernKind::parse(&self.0.kind).ok_or_else(|| internal("unknown concern kind"))
    }
    /// The object's global ID (a project, fund line, ledger entry or department), or the
    /// region's 12-digit code.
    async fn reference(&self) -> async_graphql::Result<String> {
        let kind = ConcernKind::parse(&self.0.kind).ok_or_else(|| internal("unknown concern kind"))?;
        let type_name = match kind {
            ConcernKind::Region => return Ok(self.0.reference.clone()),
            ConcernKind::Project => "Project",
            ConcernKind::FundLine => "FundLine",
            ConcernKind::LedgerEntry => "LedgerEntry",
            ConcernKind::Department => "Department",
        };
        Ok(global_id(type_name, &self.0.reference).0)
    }
    /// The project, when it is one you may see.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        if self.0.kind != ConcernKind::Project.as_str() {
            return Ok(None);
        }
        let Ok(id) = self.0.reference.parse::<i64>() else {
            return Ok(None);
        };
        Ok(visible_projects(ctx, &[id]).await?.pop())
    }
}

pub struct RectificationStep(rectification_event::Model);

/// One step of a problem's rectification.
#[Object]
impl RectificationStep {
    /// The action; null for the filing (登记).
    async fn action(&self) -> Option<IssueAction> {
        (self.0.action != FILED)
            .then(|| IssueAction::parse(&self.0.action))
            .flatten()
    }
    /// The state before; null for the filing.
    async fn from_status(&self) -> Option<IssueStatus> {
        self.0.from_status.as_deref().and_then(IssueStatus::parse)
    }
    /// The state after.
    async fn to_status(&self) -> async_graphql::Result<IssueStatus> {
        IssueStatus::parse(&self.0.to_status).ok_or_else(|| internal("unknown status"))
    }
    /// The day it happened (China time).
    async fn date(&self) -> Date {
        Date(self.0.happened_on)
    }
    /// Who took it (username).
    async fn actor_username(&self) -> &str {
        &self.0.actor_username
    }
    /// Their role then.
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    /// When it was recorded.
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.occurred_at)
    }
    /// The verification note (核查意见) or the reason.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// 整改材料 — what was done, for a submission.
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }
    /// References to the attachments that show it.
    async fn attachments(&self) -> Vec<String> {
        self.0
            .attachments
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default()
    }
}

/// Something a problem concerns: give exactly one.
#[derive(InputObject, Default)]
pub struct RectificationConcernInput {
    /// A project (its global ID).
    pub project: Option<ID>,
    /// A fund line (its global ID).
    pub fund_line: Option<ID>,
    /// A ledger entry (its global ID).
    pub ledger_entry: Option<ID>,
    /// A department (its global ID).
    pub department: Option<ID>,
    /// A township or village (its 12-digit code).
    pub region_code: Option<String>,
}

impl RectificationConcernInput {
    fn into_service(self, path: &[&str]) -> Result<Concern, Fault> {
        let field = path.last().copied().unwrap_or("concerns");
        let mut given = Vec::new();
        if let Some(id) = self.project {
            given.push((ConcernKind::Project, decode_numeric(&id, "Project", field)?.to_string()));
        }
        if let Some(id) = self.fund_line {
            given.push((
                ConcernKind::FundLine,
                decode_numeric(&id, "FundLine", field)?.to_string(),
            ));
        }
        if let Some(id) = self.ledger_entry {
            given.push((
                ConcernKind::LedgerEntry,
                decode_numeric(&id, "LedgerEntry", field)?.to_string(),
            ));
        }
        if let Some(id) = self.department {
            given.push((
                ConcernKind::Department,
                decode_numeric(&id, "Department", field)?.to_string(),
            ));
        }
        if let Some(code) = self.region_code {
            given.push((ConcernKind::Region, code.trim().to_string()));
        }
        match <[_; 1]>::try_from(given) {
            Ok([(kind, reference)]) => Ok(Concern { kind, reference }),
            Err(_) => Err(Fault::new(
                crate::domain::fault::ErrorCode::InvalidInput,
                path,
                "name exactly one thing: a project, fund line, ledger entry, department or region code",
            )),
        }
    }
}

/// Which problems to list, of those you see; every condition given must hold.
#[derive(InputObject, Default)]
pub struct RectificationIssueFilter {
    /// A county or larger region: its counties' problems; a township: the problems given to it.
    pub region_code: Option<String>,
    /// 问题来源.
    pub source: Option<IssueSource>,
    /// 批次, as written.
    pub batch: Option<String>,
    /// 整改状态 now.
    pub status: Option<IssueStatus>,
    /// Problems given to this department (its global ID).
    pub department: Option<ID>,
    /// Problems given to this township (its 12-digit code).
    pub township_code: Option<String>,
    /// `true`: only those past their deadline and not closed, today; `false`: the others.
    pub overdue: Option<bool>,
    /// Only problems that concern this.
    pub concerns: Option<RectificationConcernInput>,
}

#[derive(Default)]
pub struct RectificationQuery;

#[Object]
impl RectificationQuery {
    /// 问题整改台账 — the problems you see, oldest filed first.
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn rectification_issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which problems; all you see when left out.")] filter: Option<RectificationIssueFilter>,
    ) -> async_graphql::Result<ConnectionOf<RectificationIssue>> {
        let filter = filter.unwrap_or_default();
        let service_filter = (|| -> Result<IssueFilter, Fault> {
            Ok(IssueFilter {
                region_code: filter.region_code,
                source: filter.source,
                batch: filter.batch,
                status: filter.status,
                department_id: filter
                    .department
                    .map(|id| decode_numeric(&id, "Department", "department"))
                    .transpose()?,
                township_code: filter.township_code,
                overdue: filter.overdue,
                concerns: filter
                    .concerns
                    .map(|c| c.into_service(&["filter", "concerns"]))
                    .transpose()?,
            })
        })()
        .map_err(|f| from_service(f.into()))?;
        let page = page_request::<i64>(first, after.clone())?;
        let rows = svc::list(ctx.db()?, ctx.actor()?, &service_filter, &page).await.api()?;
        let ids: Vec<i64> = rows.items.iter().map(|r| r.id).collect();
        let loaders = ctx.loaders()?;
        loaders.rectification_concerns.prime(&ids).await?;
        loaders.rectification_events.prime(&ids).await?;
        Ok(connection(
            rows,
            after.is_some(),
            |r| r.id.to_string(),
            RectificationIssue,
        ))
    }

    /// 整改销号率 — the problems of a region as they stood at the end of a day, grouped:
    /// how many were filed, closed (已销号) and overdue, and the closing rate. Steps count
    /// from the day they happened, so a past day's summary does not move when a step is
    /// entered late with its own date.
    async fn rectification_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The region (12-digit code): a county or larger, or a township for the problems given to it."
        )]
        region_code: String,
        #[graphql(desc = "How to group.")] group_by: Grouping,
        #[graphql(desc = "The day (China time); today when left out.")] as_of: Option<Date>,
    ) -> async_graphql::Result<RectificationSummary> {
        let as_of = as_of.map_or_else(calendar::today, |d| d.0);
        let (groups, total) = svc::summary(ctx.db()?, ctx.actor()?, &region_code, group_by, as_of)
            .await
            .api()?;
        Ok(RectificationSummary {
            as_of: Date(as_of),
            group_by,
            groups: groups
                .into_iter()
                .map(|g| RectificationGroup(g, Some(group_by)))
                .collect(),
            total: RectificationGroup(
                SummaryGroup {
                    key: String::new(),
                    department_id: None,
                    township_code: None,
                    tally: total,
                },
                None,
            ),
        })
    }
}

/// The rectification ledger of a region on a day, grouped.
#[derive(SimpleObject)]
pub struct RectificationSummary {
    /// The day the figures are as of.
    pub as_of: Date,
    /// How the groups are formed.
    pub group_by: Grouping,
    /// One row per group that has problems, by key.
    pub groups: Vec<RectificationGroup>,
    /// All the problems together (its key is empty).
    pub total: RectificationGroup,
}

/// A group and how the groups were formed (`None` for the total).
pub struct RectificationGroup(SummaryGroup, Option<Grouping>);

impl RectificationGroup {
    fn tally(&self) -> &Tally {
        &self.0.tally
    }
}

/// One group of the rectification summary.
#[Object]
impl RectificationGroup {
    /// The group: a source, batch, status or category as written, or the unit as
    /// `department:<id>` / `township:<code>`; empty for the total.
    async fn key(&self) -> &str {
        &self.0.key
    }
    /// The group's name as the ledger writes it: 中央反馈, 已销号, the department's or
    /// township's name; the batch or category itself.
    async fn label(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let key = &self.0.key;
        Ok(match self.1 {
            None => "合计".to_string(),
            Some(Grouping::Source) => IssueSource::parse(key).map_or(key.clone(), |s| s.chinese_name().to_string()),
            Some(Grouping::Status) => IssueStatus::parse(key).map_or(key.clone(), |s| s.chinese_name().to_string()),
            Some(Grouping::Unit) => match (self.0.department_id, &self.0.township_code) {
                (Some(id), _) => department_of(ctx, Some(id))
                    .await?
                    .map(|d| d.0.0.name.clone())
                    .unwrap_or_default(),
                (None, code) => region_of(ctx, code.as_deref())
                    .await?
                    .map(|r| r.0.0.name.clone())
                    .unwrap_or_default(),
            },
            Some(Grouping::Batch | Grouping::Category) => key.clone(),
        })
    }
    /// The responsible department, when grouped by unit.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.0.department_id).await
    }
    /// The responsible township, when grouped by unit.
    async fn township(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Region>>> {
        region_of(ctx, self.0.township_code.as_deref()).await
    }
    /// 问题数 — problems filed by the day.
    async fn issues(&self) -> u32 {
        self.tally().issues
    }
    /// 已销号 — closed on the day.
    async fn closed(&self) -> u32 {
        self.tally().closed
    }
    /// 整改销号率 — closed ÷ filed, in percent (2 decimals); null for no problems.
    async fn closing_rate(&self) -> Option<Decimal> {
        self.tally().closing_rate().map(Decimal)
    }
    /// 逾期 — past their deadline and not closed on the day.
    async fn overdue(&self) -> u32 {
        self.tally().overdue
    }
    /// 待整改 on the day.
    async fn open(&self) -> u32 {
        self.tally().in_status(IssueStatus::Open)
    }
    /// 整改中 on the day.
    async fn rectifying(&self) -> u32 {
        self.tally().in_status(IssueStatus::Rectifying)
    }
    /// 待销号 on the day.
    async fn submitted(&self) -> u32 {
        self.tally().in_status(IssueStatus::Submitted)
    }
    /// 反弹 on the day.
    async fn reopened(&self) -> u32 {
        self.tally().in_status(IssueStatus::Reopened)
    }
}

/// 问题登记 — a problem to file (COORDINATOR, INSPECTOR).
#[derive(InputObject)]
pub struct RectificationIssueFileInput {
    /// The county whose ledger it goes in (12-digit code).
    pub county_code: String,
    /// 问题来源.
    pub source: IssueSource,
    /// 批次 — the feedback it came in, at most 100 characters.
    pub batch: String,
    /// The batch's document number (文号), at most 100 characters.
    pub batch_document_no: Option<String>,
    /// The batch's date; not in the future.
    pub batch_date: Option<Date>,
    /// 问题类别, at most 50 characters (e.g. 项目管理, 资金使用, 政策落实).
    pub category: String,
    /// 问题描述, at most 5000 characters.
    pub description: String,
    /// What it concerns, at most 50 things.
    #[graphql(default)]
    pub concerns: Vec<RectificationConcernInput>,
    /// 责任单位 when a department (its global ID); give this or `responsibleTownshipCode`.
    pub responsible_department: Option<ID>,
    /// 责任单位 when a township (its 12-digit code).
    pub responsible_township_code: Option<String>,
    /// 责任人, at most 50 characters.
    pub responsible_person: String,
    /// The responsible person's account, if they have one: an active user of the unit.
    pub responsible_user: Option<ID>,
    /// 整改措施, at most 5000 characters.
    pub measures: String,
    /// 整改时限, not before the filing.
    pub deadline: Date,
    /// 长效机制 — whether it needs a lasting rule, not only a fix.
    #[graphql(default)]
    pub lasting_mechanism: bool,
    /// The day it was filed (China time); today if omitted, not in the future, not before
    /// the batch's date.
    pub date: Option<Date>,
}

/// One step of a problem's rectification: START and SUBMIT by the responsible unit,
/// CLOSE, RETURN_FOR_RECTIFICATION and REOPEN by a verifier (COORDINATOR, INSPECTOR).
#[derive(InputObject)]
pub struct RectificationIssueStepInput {
    /// The problem (its global ID).
    pub issue: ID,
    /// The `version` you read; if the problem has changed since, nothing changes
    /// (`STALE_VERSION`).
    pub expected_version: i32,
    /// What to do.
    pub action: IssueAction,
    /// The day it happened (China time); today if omitted. Not in the future, not before
    /// the problem's previous step.
    pub date: Option<Date>,
    /// 核查意见 for CLOSE; the reason for RETURN_FOR_RECTIFICATION and REOPEN; at most 2000
    /// characters.
    pub note: Option<String>,
    /// 整改材料 for SUBMIT: what was done, at most 5000 characters.
    pub evidence: Option<String>,
    /// References to the attachments that show it (file or archive numbers), at most 20.
    #[graphql(default)]
    pub attachments: Vec<String>,
}

/// What a rectification mutation did.
#[derive(SimpleObject)]
pub struct RectificationIssuePayload {
    /// The problem as it now is; null when refused.
    pub issue: Option<RectificationIssue>,
    /// Why it was refused; empty when it was done.
    pub user_errors: Vec<UserError>,
}

fn issue_payload(
    result: Result<rectification_issue::Model, crate::service::ServiceError>,
) -> async_graphql::Result<RectificationIssuePayload> {
    let (row, user_errors) = payload(result)?;
    Ok(RectificationIssuePayload {
        issue: row.map(RectificationIssue),
        user_errors,
    })
}

#[derive(Default)]
pub struct RectificationMutation;

#[Object]
impl RectificationMutation {
    /// 问题登记 — files a problem in a county's rectification ledger (COORDINATOR,
    /// INSPECTOR): OPEN, given to a department or a township.
    async fn rectification_issue_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The problem.")] input: RectificationIssueFileInput,
    ) -> async_graphql::Result<RectificationIssuePayload> {
        let db = ctx.db()?;
        let actor = ctx.actor()?;
        let result = async {
            let mut concerns = Vec::with_capacity(input.concerns.len());
            for (i, c) in input.concerns.into_iter().enumerate() {
                concerns.push(c.into_service(&["input", "concerns", &i.to_string()])?);
            }
            let input = IssueInput {
                county_code: input.county_code,
                source: input.source,
                batch: input.batch,
                batch_document_no: input.batch_document_no,
                batch_date: input.batch_date.map(|d| d.0),
                category: input.category,
                description: input.description,
                concerns,
                unit_department_id: input
                    .responsible_department
                    .map(|id| decode_numeric(&id, "Department", "responsibleDepartment"))
                    .transpose()?,
                unit_township_code: input.responsible_township_code,
                responsible_person: input.responsible_person,
                responsible_user_id: input
                    .responsible_user
                    .map(|id| decode_numeric(&id, "User", "responsibleUser"))
                    .transpose()?,
                measures: input.measures,
                deadline: input.deadline.0,
                lasting_mechanism: input.lasting_mechanism,
                on: input.date.map(|d| d.0),
            };
            svc::file(db, actor, input).await
        }
        .await;
        issue_payload(result)
    }

    /// 动态销号 — one step of a problem's rectification, as the lifecycle table allows:
    /// START, SUBMIT (with `evidence`) by the responsible unit; CLOSE (with the verification
    /// `note`), RETURN_FOR_RECTIFICATION and REOPEN (with the reason) by COORDINATOR or
    /// INSPECTOR.
    async fn rectification_issue_step(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The problem, the action and what it needs.")] input: RectificationIssueStepInput,
    ) -> async_graphql::Result<RectificationIssuePayload> {
        let db = ctx.db()?;
        let actor = ctx.actor()?;
        let result = async {
            let input = StepInput {
                issue_id: decode_numeric(&input.issue, "RectificationIssue", "issue")?,
                expected_version: input.expected_version,
                action: input.action,
                on: input.date.map(|d| d.0),
                note: input.note,
                evidence: input.evidence,
                attachments: input.attachments,
            };
            svc::step(db, actor, input).await
        }
        .await;
        issue_payload(result)
    }
}
