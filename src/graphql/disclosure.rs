//! 公告公示 — `disclosures`, `disclosureRules`, and the mutations that draft, post and
//! withdraw notices and hear their objections.
use super::context::ContextExt;
use super::errors::{OrApiError, UserError, from_service, payload};
use super::funds::FundLine;
use super::node::{decode_numeric, global_id};
use super::object::Plain;
use super::pagination::{ConnectionOf, connection, cost, page_request};
use super::plans::AnnualPlan;
use super::projects::{Project, visible_projects};
use super::regions::{Region, region_of};
use super::scalars::Date;
use super::task_lists::MonthlyTaskList;
use crate::domain::calendar;
use crate::domain::disclosure::{Channel, Level, NATIONAL_HOTLINE, Rules, Status, Subject};
use crate::service::disclosure::{
    self as svc, NoticeChanges, NoticeFilter, NoticeInput, ObjectionInput, RulesInForce, TargetInput,
};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{disclosure, disclosure_objection};

/// The stable public address of a notice: the page the printed sheet's QR code points at.
pub fn public_path(id: i64) -> String {
    format!("/public/notices/{id}")
}

pub struct Disclosure(pub disclosure::Model);

/// 公告公示 — one notice: what it discloses, where and when it is posted, its text, and the
/// objections it drew. Its status is read off its days.
#[Object]
impl Disclosure {
    /// The notice's opaque global ID.
    pub async fn id(&self) -> ID {
        global_id("Disclosure", self.0.id)
    }
    /// 公示编号 — the notice's number, as printed.
    async fn number(&self) -> i64 {
        self.0.id
    }
    /// The stable public address of its page (`/public/notices/{number}`): the printed
    /// sheet's QR code points here. Public once posted.
    async fn public_path(&self) -> String {
        public_path(self.0.id)
    }
    /// What it discloses.
    async fn subject(&self) -> async_graphql::Result<Subject> {
        svc::subject_of(&self.0).map_err(from_service)
    }
    /// Where it is posted.
    async fn level(&self) -> async_graphql::Result<Level> {
        svc::level_of(&self.0).map_err(from_service)
    }
    /// The county (12-digit code).
    async fn county_code(&self) -> &str {
        &self.0.county_code
    }
    /// The region it is posted in.
    async fn region(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Region>>> {
        region_of(ctx, Some(&self.0.region_code)).await
    }
    /// Exactly where: 县政府门户网站, 城关镇政务公开栏, 项目现场公示牌….
    async fn place(&self) -> &str {
        &self.0.place
    }
    /// The title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The text. A draft's follows the live figures until someone edits it; posting freezes it.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Whether the text was written by hand (else generated from the figures).
    async fn body_edited(&self) -> bool {
        self.0.body_edited
    }
    /// The supervision phones printed on it: the local one, if any, and 12317.
    async fn hotlines(&self) -> Vec<String> {
        self.0
            .hotline
            .iter()
            .cloned()
            .chain([NATIONAL_HOTLINE.to_string()])
            .collect()
    }
    /// 公示单位 — who issues it.
    async fn issuer(&self) -> &str {
        &self.0.issuer
    }
    /// The first day: planned while a draft, the day it went up once posted.
    async fn start_date(&self) -> Date {
        Date(self.0.start_on)
    }
    /// The last day.
    async fn end_date(&self) -> Date {
        Date(self.0.end_on)
    }
    /// 公示天数 — the days from the first to the last, both counted.
    async fn period_days(&self) -> i64 {
        (self.0.end_on - self.0.start_on).num_days() + 1
    }
    /// Where it stands today.
    async fn status(&self) -> Status {
        svc::status_on(&self.0, calendar::today())
    }
    /// Where it stood on a day.
    async fn status_on(&self, #[graphql(desc = "The day.")] date: Date) -> Status {
        svc::status_on(&self.0, date.0)
    }
    /// The day it went up.
    async fn posted_on(&self) -> Option<Date> {
        self.0.posted_on.map(Date)
    }
    /// The day it was taken down.
    async fn withdrawn_on(&self) -> Option<Date> {
        self.0.withdrawn_on.map(Date)
    }
    /// Why it was taken down.
    async fn withdrawn_reason(&self) -> Option<&str> {
        self.0.withdrawn_reason.as_deref()
    }
    /// The project, for a project's notice, when you may see it.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        match self.0.project_id {
            None => Ok(None),
            Some(id) => Ok(visible_projects(ctx, &[id]).await?.pop()),
        }
    }
    /// The fund line, for a fund-allocation notice.
    async fn fund_line(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<FundLine>> {
        match self.0.fund_line_id {
            None => Ok(None),
            Some(id) => Ok(crate::service::funds::find_line(ctx.db()?, ctx.actor()?, id)
                .await
                .api()?
                .map(FundLine)),
        }
    }
    /// The plan version, for a plan notice.
    async fn annual_plan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AnnualPlan>> {
        match self.0.plan_id {
            None => Ok(None),
            Some(id) => Ok(crate::service::plans::find(ctx.db()?, ctx.actor()?, id)
                .await
                .api()?
                .map(AnnualPlan)),
        }
    }
    /// The monthly list, for a three-list notice.
    async fn task_list(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MonthlyTaskList>> {
        match self.0.task_list_id {
            None => Ok(None),
            Some(id) => Ok(crate::service::task_lists::find(ctx.db()?, ctx.actor()?, id)
                .await
                .api()?
                .map(MonthlyTaskList)),
        }
    }
    /// The objections received, in the order they came in.
    async fn objections(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DisclosureObjection>> {
        let rows = ctx
            .loaders()?
            .disclosure_objections
            .load_one(&self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(DisclosureObjection).collect())
    }
    /// Objections not yet resolved today.
    async fn open_objections(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let rows = ctx
            .loaders()?
            .disclosure_objections
            .load_one(&self.0.id)
            .await?
            .unwrap_or_default();
        let today = calendar::today();
        Ok(rows.iter().filter(|o| svc::objection_days(o).open_on(today)).count() as i32)
    }
    /// Who drafted it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// Bumped by every change: give it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

pub struct DisclosureObjection(pub disclosure_objection::Model);

/// 异议 — an objection to a notice and how it was resolved. Who objected is never public.
#[Object]
impl DisclosureObjection {
    /// The objection's opaque global ID.
    pub async fn id(&self) -> ID {
        global_id("DisclosureObjection", self.0.id)
    }
    /// The day it came in.
    async fn received_on(&self) -> Date {
        Date(self.0.received_on)
    }
    /// How it came in.
    async fn channel(&self) -> async_graphql::Result<Channel> {
        Channel::parse(&self.0.channel).ok_or_else(|| super::errors::internal("unknown channel"))
    }
    /// 异议人 — who objected: shown to the poverty office, inspectors and whoever recorded
    /// it; null for everyone else (a complainant is protected from the unit complained of).
    async fn objector(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        Ok(svc::may_see_objector(ctx.actor()?, &self.0).then_some(self.0.objector.as_str()))
    }
    /// How to reach them; shown as `objector` is.
    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        let shown = svc::may_see_objector(ctx.actor()?, &self.0);
        Ok(self.0.contact.as_deref().filter(|_| shown))
    }
    /// What the objection is.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// Whether it is resolved.
    async fn resolved(&self) -> bool {
        self.0.resolved_on.is_some()
    }
    /// The day it was resolved.
    async fn resolved_on(&self) -> Option<Date> {
        self.0.resolved_on.map(Date)
    }
    /// 处理结果 — how it was resolved.
    async fn resolution(&self) -> Option<&str> {
        self.0.resolution.as_deref()
    }
    /// Who resolved it (a username).
    async fn resolved_by(&self) -> Option<&str> {
        self.0.resolved_by.as_deref()
    }
}

/// Where a default rule comes from.
#[derive(SimpleObject)]
pub struct DisclosureRuleSource {
    /// The rule's fields.
    pub rule: String,
    /// The document it follows.
    pub document: String,
}

pub struct DisclosureRules(pub RulesInForce);

/// 公示规则 — the rules a county's notices are held to: a version of its own, or the
/// defaults with the documents they follow.
#[Object]
impl DisclosureRules {
    /// The county (12-digit code).
    async fn county_code(&self) -> Option<&str> {
        self.0.row.as_ref().map(|r| r.county_code.as_str())
    }
    /// Whether these are the defaults (the county has set none in force on the day).
    async fn is_default(&self) -> bool {
        self.0.row.is_none()
    }
    /// The day this version took effect; null for the defaults.
    async fn effective_from(&self) -> Option<Date> {
        self.0.row.as_ref().map(|r| Date(r.effective_from))
    }
    /// Approval (县级统筹) needs an application notice that has run its period with no
    /// objection open.
    async fn approval_needs_application(&self) -> bool {
        self.0.rules.approval_needs_application
    }
    /// The shortest application notice, in days counted both ends (default 10).
    async fn application_min_days(&self) -> i64 {
        self.0.rules.application_min_days
    }
    /// Acceptance (验收) needs the completion notice (竣工公告) posted.
    async fn acceptance_needs_completion(&self) -> bool {
        self.0.rules.acceptance_needs_completion
    }
    /// An approved plan adjustment is to be disclosed within this many working days
    /// (Monday to Friday; default 10). Late ones are the alert DISCLOSURE_OVERDUE.
    async fn adjustment_deadline_working_days(&self) -> i64 {
        self.0.rules.adjustment_deadline_working_days
    }
    /// Who set this version.
    async fn set_by(&self) -> Option<&str> {
        self.0.row.as_ref().map(|r| r.set_by.as_str())
    }
    /// The documents the defaults follow.
    async fn sources(&self) -> Vec<DisclosureRuleSource> {
        Rules::SOURCES
            .iter()
            .map(|s| DisclosureRuleSource {
                rule: s.rule.to_string(),
                document: s.document.to_string(),
            })
            .collect()
    }
}

/// Which notices to read, of those you see; every condition given must hold.
#[derive(InputObject, Default)]
pub struct DisclosureFilter {
    /// Posted in this region or below.
    pub region_code: Option<String>,
    /// Of this subject.
    pub subject: Option<Subject>,
    /// With this status today.
    pub status: Option<Status>,
    /// Of this project (its global ID).
    pub project: Option<ID>,
}

#[derive(Default)]
pub struct DisclosureQuery;

#[Object]
impl DisclosureQuery {
    /// 公告公示 — the notices you see, newest first.
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn disclosures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which notices; all you see when left out.")] filter: Option<DisclosureFilter>,
    ) -> async_graphql::Result<ConnectionOf<Disclosure>> {
        let filter = filter.unwrap_or_default();
        let project_id = filter
            .project
            .map(|id| decode_numeric(&id, "Project", "project"))
            .transpose()
            .map_err(|f| from_service(f.into()))?;
        let service_filter = NoticeFilter {
            region_code: filter.region_code,
            subject: filter.subject,
            status: filter.status,
            project_id,
        };
        let page = page_request::<i64>(first, after.clone())?;
        let rows = svc::list(ctx.db()?, ctx.actor()?, &service_filter, &page).await.api()?;
        let ids: Vec<i64> = rows.items.iter().map(|r| r.id).collect();
        ctx.loaders()?.disclosure_objections.prime(&ids).await?;
        Ok(connection(rows, after.is_some(), |r| r.id.to_string(), Disclosure))
    }

    /// 公示规则 — the disclosure rules a county works by on a day (the defaults, with their
    /// sources, until it sets its own).
    async fn disclosure_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county (12-digit code).")] county_code: String,
        #[graphql(desc = "The day; today if omitted.")] as_of: Option<Date>,
    ) -> async_graphql::Result<DisclosureRules> {
        let rules = svc::rules(ctx.db()?, ctx.actor()?, &county_code, as_of.map(|d| d.0))
            .await
            .api()?;
        Ok(DisclosureRules(rules))
    }
}

/// A new notice (公示草稿).
#[derive(InputObject)]
pub struct DisclosureCreateInput {
    /// What it discloses.
    pub subject: Subject,
    /// The project, for APPLICATION, CONSTRUCTION_START, COMPLETION and ACCEPTANCE.
    pub project: Option<ID>,
    /// The fund line, for FUND_ALLOCATION.
    pub fund_line: Option<ID>,
    /// The approved plan version, for ANNUAL_PLAN and PLAN_ADJUSTMENT.
    pub annual_plan: Option<ID>,
    /// The published monthly list, for TASK_LIST.
    pub task_list: Option<ID>,
    /// Where it is posted.
    pub level: Level,
    /// The region it is posted in: the county, a township or a village (a site's village);
    /// for a project, its own township or villages.
    pub region_code: String,
    /// Exactly where, at most 200 characters.
    pub place: String,
    /// The planned first day.
    pub start_date: Date,
    /// The planned last day.
    pub end_date: Date,
    /// The title; generated when left out.
    pub title: Option<String>,
    /// The text; generated from the live figures when left out (and regenerated until posted).
    pub body: Option<String>,
    /// The local supervision phone, printed beside 12317.
    pub hotline: Option<String>,
    /// 公示单位; the county government when left out.
    pub issuer: Option<String>,
}

/// Changes to a draft; what is left out stays.
#[derive(InputObject)]
pub struct DisclosureUpdateInput {
    /// The notice (its global ID).
    pub disclosure: ID,
    /// The `version` you read.
    pub expected_version: i32,
    /// Exactly where.
    pub place: Option<String>,
    /// The planned first day.
    pub start_date: Option<Date>,
    /// The planned last day.
    pub end_date: Option<Date>,
    /// The title.
    pub title: Option<String>,
    /// A text written by hand; kept as written.
    pub body: Option<String>,
    /// Go back to the text generated from the live figures.
    #[graphql(default)]
    pub regenerate: bool,
    /// The local supervision phone.
    pub hotline: Option<String>,
    /// 公示单位.
    pub issuer: Option<String>,
}

/// 张贴 — posting a draft.
#[derive(InputObject)]
pub struct DisclosurePostInput {
    /// The notice (its global ID).
    pub disclosure: ID,
    /// The `version` you read.
    pub expected_version: i32,
    /// The day it went up (its first day); today if omitted, not in the future.
    pub date: Option<Date>,
    /// Its last day; the draft's if omitted.
    pub end_date: Option<Date>,
}

/// 撤回 — taking a posted notice down.
#[derive(InputObject)]
pub struct DisclosureWithdrawInput {
    /// The notice (its global ID).
    pub disclosure: ID,
    /// The `version` you read.
    pub expected_version: i32,
    /// The day it came down; today if omitted, not before it went up.
    pub date: Option<Date>,
    /// Why.
    pub reason: String,
}

/// 受理异议 — an objection received.
#[derive(InputObject)]
pub struct DisclosureObjectionRecordInput {
    /// The notice (its global ID).
    pub disclosure: ID,
    /// The day it came in; today if omitted, not before the notice went up.
    pub received_on: Option<Date>,
    /// How it came in.
    pub channel: Channel,
    /// 异议人 — who objects (kept private), at most 100 characters.
    pub objector: String,
    /// How to reach them (kept private).
    pub contact: Option<String>,
    /// What the objection is, at most 2000 characters.
    pub content: String,
}

/// 异议处理 — how an objection was resolved.
#[derive(InputObject)]
pub struct DisclosureObjectionResolveInput {
    /// The objection (its global ID).
    pub objection: ID,
    /// The day it was resolved; today if omitted, not before it came in.
    pub date: Option<Date>,
    /// 处理结果 — what was found and done, at most 2000 characters. It is published on the
    /// portal with the notice: write it for the public, without the complainant's name.
    pub resolution: String,
}

/// New disclosure rules for a county, from a day on.
#[derive(InputObject)]
pub struct DisclosureRulesSetInput {
    /// The county (12-digit code).
    pub county_code: String,
    /// The day they take effect: after the latest version's.
    pub effective_from: Date,
    /// Approval needs an application notice run in full.
    pub approval_needs_application: bool,
    /// The shortest application notice, 1–60 days counted both ends.
    pub application_min_days: i32,
    /// Acceptance needs the completion notice posted.
    pub acceptance_needs_completion: bool,
    /// Working days, 1–60, to disclose an approved plan adjustment.
    pub adjustment_deadline_working_days: i32,
}

/// What a notice mutation did.
#[derive(SimpleObject)]
pub struct DisclosurePayload {
    /// The notice as it now is; null when refused.
    pub disclosure: Option<Disclosure>,
    /// Why it was refused; empty when it was done.
    pub user_errors: Vec<UserError>,
}

/// What an objection mutation did.
#[derive(SimpleObject)]
pub struct DisclosureObjectionPayload {
    /// The objection as it now is; null when refused.
    pub objection: Option<DisclosureObjection>,
    /// Its notice; null when refused.
    pub disclosure: Option<Disclosure>,
    /// Why it was refused; empty when it was done.
    pub user_errors: Vec<UserError>,
}

/// What `disclosureRulesSet` did.
#[derive(SimpleObject)]
pub struct DisclosureRulesPayload {
    /// The rules now in force from their day; null when refused.
    pub rules: Option<DisclosureRules>,
    /// Why it was refused; empty when it was done.
    pub user_errors: Vec<UserError>,
}

fn notice_payload(
    result: Result<disclosure::Model, crate::service::ServiceError>,
) -> async_graphql::Result<DisclosurePayload> {
    let (row, user_errors) = payload(result)?;
    Ok(DisclosurePayload {
        disclosure: row.map(Disclosure),
        user_errors,
    })
}

fn objection_payload(
    result: Result<(disclosure::Model, disclosure_objection::Model), crate::service::ServiceError>,
) -> async_graphql::Result<DisclosureObjectionPayload> {
    let (pair, user_errors) = payload(result)?;
    let (disclosure, objection) = match pair {
        Some((d, o)) => (Some(Disclosure(d)), Some(DisclosureObjection(o))),
        None => (None, None),
    };
    Ok(DisclosureObjectionPayload {
        objection,
        disclosure,
        user_errors,
    })
}

fn optional_id(id: Option<ID>, type_name: &str, field: &str) -> Result<Option<i64>, crate::domain::fault::Fault> {
    id.map(|id| decode_numeric(&id, type_name, field)).transpose()
}

#[derive(Default)]
pub struct DisclosureMutation;

#[Object]
impl DisclosureMutation {
    /// 公示草稿 — drafts a notice; its text is written from the live figures unless given.
    /// The poverty office drafts any; finance the money's and plans'; a township those
    /// posted in its area; a department its projects'.
    async fn disclosure_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What it discloses, where and when.")] input: DisclosureCreateInput,
    ) -> async_graphql::Result<DisclosurePayload> {
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let result = async {
            let target = TargetInput {
                project_id: optional_id(input.project, "Project", "project")?,
                fund_line_id: optional_id(input.fund_line, "FundLine", "fundLine")?,
                plan_id: optional_id(input.annual_plan, "AnnualPlan", "annualPlan")?,
                task_list_id: optional_id(input.task_list, "MonthlyTaskList", "taskList")?,
            };
            let input = NoticeInput {
                subject: input.subject,
                target,
                level: input.level,
                region_code: input.region_code,
                place: input.place,
                start_on: input.start_date.0,
                end_on: input.end_date.0,
                title: input.title,
                body: input.body,
                hotline: input.hotline,
                issuer: input.issuer,
            };
            svc::create(db, actor, input).await
        }
        .await;
        notice_payload(result)
    }

    /// Changes a draft notice.
    async fn disclosure_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice and what changes.")] input: DisclosureUpdateInput,
    ) -> async_graphql::Result<DisclosurePayload> {
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let result = async {
            let id = decode_numeric(&input.disclosure, "Disclosure", "disclosure")?;
            let changes = NoticeChanges {
                place: input.place,
                start_on: input.start_date.map(|d| d.0),
                end_on: input.end_date.map(|d| d.0),
                title: input.title,
                body: input.body,
                regenerate: input.regenerate,
                hotline: input.hotline,
                issuer: input.issuer,
            };
            svc::update(db, actor, id, input.expected_version, changes).await
        }
        .await;
        notice_payload(result)
    }

    /// 张贴 — posts a draft: from its first day it is public and its text is frozen.
    async fn disclosure_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice and the day it went up.")] input: DisclosurePostInput,
    ) -> async_graphql::Result<DisclosurePayload> {
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let result = async {
            let id = decode_numeric(&input.disclosure, "Disclosure", "disclosure")?;
            svc::post(
                db,
                actor,
                id,
                input.expected_version,
                input.date.map(|d| d.0),
                input.end_date.map(|d| d.0),
            )
            .await
        }
        .await;
        notice_payload(result)
    }

    /// 撤回 — takes a posted notice down; from that day it counts for no rule and leaves
    /// the public portal.
    async fn disclosure_withdraw(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice, the day and the reason.")] input: DisclosureWithdrawInput,
    ) -> async_graphql::Result<DisclosurePayload> {
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let result = async {
            let id = decode_numeric(&input.disclosure, "Disclosure", "disclosure")?;
            svc::withdraw(
                db,
                actor,
                id,
                input.expected_version,
                input.date.map(|d| d.0),
                &input.reason,
            )
            .await
        }
        .await;
        notice_payload(result)
    }

    /// 受理异议 — records an objection to a posted notice. While open it blocks the
    /// approval an application notice is for.
    async fn disclosure_objection_record(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice and the objection.")] input: DisclosureObjectionRecordInput,
    ) -> async_graphql::Result<DisclosureObjectionPayload> {
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let result = async {
            let id = decode_numeric(&input.disclosure, "Disclosure", "disclosure")?;
            let objection = ObjectionInput {
                received_on: input.received_on.map(|d| d.0),
                channel: input.channel,
                objector: input.objector,
                contact: input.contact,
                content: input.content,
            };
            svc::record_objection(db, actor, id, objection).await
        }
        .await;
        objection_payload(result)
    }

    /// 异议处理 — records how an objection was resolved.
    async fn disclosure_objection_resolve(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The objection and its resolution.")] input: DisclosureObjectionResolveInput,
    ) -> async_graphql::Result<DisclosureObjectionPayload> {
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let result = async {
            let id = decode_numeric(&input.objection, "DisclosureObjection", "objection")?;
            svc::resolve_objection(db, actor, id, input.date.map(|d| d.0), &input.resolution).await
        }
        .await;
        objection_payload(result)
    }

    /// 公示规则 — sets a county's disclosure rules from a day on (COORDINATOR).
    async fn disclosure_rules_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county, the day and the rules.")] input: DisclosureRulesSetInput,
    ) -> async_graphql::Result<DisclosureRulesPayload> {
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let rules = Rules {
            approval_needs_application: input.approval_needs_application,
            application_min_days: input.application_min_days.into(),
            acceptance_needs_completion: input.acceptance_needs_completion,
            adjustment_deadline_working_days: input.adjustment_deadline_working_days.into(),
        };
        let result = svc::set_rules(db, actor, &input.county_code, input.effective_from.0, rules).await;
        let (rules, user_errors) = payload(result)?;
        Ok(DisclosureRulesPayload {
            rules: rules.map(DisclosureRules),
            user_errors,
        })
    }
}
