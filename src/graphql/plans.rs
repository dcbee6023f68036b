//! 年度计划 — `annualPlan`, `annualPlanSet`, `annualPlanApprove`.
use super::context::ContextExt;
use super::errors::{OrApiError, UserError, internal, payload};
use super::funds::FundLine;
use super::node::{decode_numeric, global_id};
use super::projects::Project;
use super::regions::Region;
use super::scalars::{Date, DateTime, Decimal};
use crate::domain::fault::Fault;
use crate::domain::money::Money;
use crate::domain::plan::{PlanChange as DomainChange, PlanChangeKind, PlanStatus};
use crate::domain::quantity::Quantity;
use crate::domain::sector::Sector;
use crate::service::plans::{self as svc, PlanInput};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

pub struct AnnualPlan(pub svc::Plan);

/// 年度计划 — one version of a county's annual plan: the fund lines' planned amounts and
/// each sector's targets.
#[Object]
impl AnnualPlan {
    /// This version's opaque global ID; `node(id:)` fetches it.
    pub async fn id(&self) -> ID {
        global_id("AnnualPlan", self.0.plan.id)
    }
    /// The county (县) the plan is for.
    async fn county(&self, ctx: &Context<'_>) -> async_graphql::Result<Region> {
        ctx.loaders()?
            .regions
            .load_one(&self.0.plan.county_code)
            .await?
            .map(Region)
            .ok_or_else(|| internal("plan without a county"))
    }
    /// 年度 — the programme year.
    async fn year(&self) -> i32 {
        self.0.plan.year
    }
    /// The version number, from 1; a change after approval makes the next one.
    async fn version(&self) -> i32 {
        self.0.plan.version
    }
    /// Whether this version is a draft or approved (locked).
    async fn status(&self) -> PlanStatus {
        PlanStatus::of_stored(&self.0.plan.status)
    }
    /// When the approval was recorded; null for a draft.
    async fn approved_at(&self) -> Option<DateTime> {
        self.0.plan.approved_at.map(DateTime)
    }
    /// 批准日期 — the day the version was approved (China time); null for a draft. The
    /// figures for a day take the latest version approved on or before it.
    async fn approved_on(&self) -> Option<Date> {
        self.0.plan.approved_on.map(Date)
    }
    /// 文号 — the document that set or adjusted the plan.
    async fn document_no(&self) -> Option<&str> {
        self.0.plan.document_no.as_deref()
    }
    /// 调整原因 — why this version adjusts the one before.
    async fn reason(&self) -> Option<&str> {
        self.0.plan.reason.as_deref()
    }
    /// The username of who approved it; null for a draft.
    async fn approved_by(&self) -> Option<&str> {
        self.0.plan.approved_by.as_deref()
    }
    /// The fund lines' planned amounts (年计划).
    async fn fund_lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlannedFund>> {
        let loaders = ctx.loaders()?;
        let mut out = Vec::new();
        for row in &self.0.fund_lines {
            let line = loaders
                .fund_lines
                .load_one(&row.fund_line_id)
                .await?
                .ok_or_else(|| internal("plan names a missing fund line"))?;
            out.push(PlannedFund {
                fund_line: FundLine(line),
                planned_amount: Decimal(Money::from_fen(row.planned_fen).to_yuan()),
            });
        }
        Ok(out)
    }
    /// 整合方案 — the projects the plan pays for: each with the fund line and amount, or
    /// listed without money yet. Once a plan in force lists projects, an allocation outside
    /// it needs `outsidePlan` and a reason.
    async fn projects(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlannedProject>> {
        let loaders = ctx.loaders()?;
        let mut out = Vec::new();
        for row in &self.0.projects {
            let project = loaders
                .projects
                .load_one(&row.project_id)
                .await?
                .ok_or_else(|| internal("plan names a missing project"))?;
            let fund_line = match row.fund_line_id {
                None => None,
                Some(id) => Some(FundLine(
                    loaders
                        .fund_lines
                        .load_one(&id)
                        .await?
                        .ok_or_else(|| internal("plan names a missing fund line"))?,
                )),
            };
            out.push(PlannedProject {
                project: Project(project),
                fund_line,
                planned_amount: row.planned_fen.map(|f| Decimal(Money::from_fen(f).to_yuan())),
            });
        }
        Ok(out)
    }
    /// Each sector's targets (道路计划建设xx公里).
    async fn sectors(&self) -> async_graphql::Result<Vec<SectorTarget>> {
        self.0
            .sectors
            .iter()
            .map(|s| {
                let sector: Sector = s.sector.parse().map_err(internal)?;
                Ok(SectorTarget {
                    sector,
                    unit: sector.unit().to_string(),
                    target_quantity: Decimal(Quantity::from_milli(s.target_quantity_milli).to_decimal()),
                    target_project_count: s.target_project_count,
                })
            })
            .collect()
    }
}

/// 年计划 — what a plan version plans for one fund line.
#[derive(SimpleObject)]
pub struct PlannedFund {
    /// The fund line.
    pub fund_line: FundLine,
    /// In yuan.
    pub planned_amount: Decimal,
}

/// 整合方案 — a project's row in a plan version.
#[derive(SimpleObject)]
pub struct PlannedProject {
    /// The project.
    pub project: Project,
    /// The fund line that pays for it; null for a project listed without money yet.
    pub fund_line: Option<FundLine>,
    /// What the line plans for it, in yuan; null without a line.
    pub planned_amount: Option<Decimal>,
}

/// 计划建设 — a sector's targets in a plan version.
#[derive(SimpleObject)]
pub struct SectorTarget {
    /// 行业.
    pub sector: Sector,
    /// 公里, 处, 个 or 户.
    pub unit: String,
    /// 计划建设 — in the sector's unit.
    pub target_quantity: Decimal,
    /// How many projects the sector plans.
    pub target_project_count: i32,
}

#[derive(Default)]
pub struct PlanQuery;

#[Object]
impl PlanQuery {
    /// A county's annual plan: the latest version (a draft included), or the one asked
    /// for. Null if there is none, or the county is outside your area.
    async fn annual_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county's 12-digit code.")] county_code: String,
        #[graphql(desc = "年度 — the programme year.")] year: i32,
        #[graphql(desc = "The version to read; the latest when left out.")] version: Option<i32>,
    ) -> async_graphql::Result<Option<AnnualPlan>> {
        let actor = ctx.actor()?;
        Ok(svc::get(ctx.db()?, actor, &county_code, year, version)
            .await
            .api()?
            .map(AnnualPlan))
    }

    /// 计划调整 — what version `to` of a county's annual plan changes against version
    /// `from`: fund lines and sectors added, removed or changed, fund lines first.
    async fn annual_plan_diff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county's 12-digit code.")] county_code: String,
        #[graphql(desc = "年度 — the programme year.")] year: i32,
        #[graphql(desc = "The earlier version.")] from: i32,
        #[graphql(desc = "The later version.")] to: i32,
    ) -> async_graphql::Result<Vec<PlanChange>> {
        let actor = ctx.actor()?;
        Ok(svc::diff(ctx.db()?, actor, &county_code, year, from, to)
            .await
            .api()?
            .into_iter()
            .map(PlanChange)
            .collect())
    }
}

pub struct PlanChange(crate::domain::plan::PlanChange);

/// 计划调整 — one fund line, sector or project row that differs between two versions of a plan.
#[Object]
impl PlanChange {
    /// 新增, 调减 or 调整.
    async fn change(&self) -> PlanChangeKind {
        match &self.0 {
            DomainChange::FundLine { kind, .. }
            | DomainChange::Sector { kind, .. }
            | DomainChange::Project { kind, .. } => *kind,
        }
    }
    /// The fund line that changed, or that pays for the project row that changed; null for
    /// a sector's change and a project listed without money.
    async fn fund_line(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<FundLine>> {
        let id = match &self.0 {
            DomainChange::FundLine { fund_line_id, .. } => *fund_line_id,
            DomainChange::Project {
                fund_line_id: Some(id), ..
            } => *id,
            _ => return Ok(None),
        };
        Ok(ctx.loaders()?.fund_lines.load_one(&id).await?.map(FundLine))
    }
    /// The project whose row changed (整合方案: which projects gained or lost money); null
    /// for a fund line's or sector's change.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        let DomainChange::Project { project_id, .. } = &self.0 else {
            return Ok(None);
        };
        Ok(ctx.loaders()?.projects.load_one(project_id).await?.map(Project))
    }
    /// The sector whose targets changed; null for a fund line's change.
    async fn sector(&self) -> Option<Sector> {
        match &self.0 {
            DomainChange::Sector { sector, .. } => Some(*sector),
            DomainChange::FundLine { .. } | DomainChange::Project { .. } => None,
        }
    }
    /// A fund line's (or project row's) planned amount in the earlier version, in yuan;
    /// null if it was not in it.
    async fn planned_before(&self) -> Option<Decimal> {
        match &self.0 {
            DomainChange::FundLine { before, .. } | DomainChange::Project { before, .. } => {
                before.map(|m| Decimal(m.to_yuan()))
            }
            DomainChange::Sector { .. } => None,
        }
    }
    /// A fund line's (or project row's) planned amount in the later version, in yuan; null
    /// if it is not in it.
    async fn planned_after(&self) -> Option<Decimal> {
        match &self.0 {
            DomainChange::FundLine { after, .. } | DomainChange::Project { after, .. } => {
                after.map(|m| Decimal(m.to_yuan()))
            }
            DomainChange::Sector { .. } => None,
        }
    }
    /// How much more (or, negative, less) the later version plans for the fund line or
    /// project row, in yuan; null for a sector.
    async fn planned_change(&self) -> Option<Decimal> {
        let (before, after) = match &self.0 {
            DomainChange::FundLine { before, after, .. } | DomainChange::Project { before, after, .. } => {
                (*before, *after)
            }
            DomainChange::Sector { .. } => return None,
        };
        let fen = |m: Option<Money>| m.map_or(0, Money::fen);
        Some(Decimal(Money::from_fen(fen(after) - fen(before)).to_yuan()))
    }
    /// A sector's target quantity in the earlier version; null if it was not in it.
    async fn target_quantity_before(&self) -> Option<Decimal> {
        self.targets(true).map(|(q, _)| Decimal(q.to_decimal()))
    }
    /// A sector's target quantity in the later version; null if it is not in it.
    async fn target_quantity_after(&self) -> Option<Decimal> {
        self.targets(false).map(|(q, _)| Decimal(q.to_decimal()))
    }
    /// A sector's target project count in the earlier version; null if it was not in it.
    async fn target_project_count_before(&self) -> Option<i32> {
        self.targets(true).map(|(_, n)| n)
    }
    /// A sector's target project count in the later version; null if it is not in it.
    async fn target_project_count_after(&self) -> Option<i32> {
        self.targets(false).map(|(_, n)| n)
    }
}

impl PlanChange {
    fn targets(&self, before_change: bool) -> Option<crate::domain::plan::Targets> {
        match &self.0 {
            DomainChange::Sector { before, after, .. } => {
                if before_change {
                    *before
                } else {
                    *after
                }
            }
            DomainChange::FundLine { .. } | DomainChange::Project { .. } => None,
        }
    }
}

/// A fund line of the plan and its planned amount.
#[derive(InputObject)]
pub struct PlannedFundInput {
    /// The fund line (its global ID): one of the county's lines for the plan's year,
    /// listed once.
    pub fund_line: ID,
    /// In yuan.
    pub planned_amount: Decimal,
}

/// 整合方案 — a project's row: the fund line that pays for it and how much, or neither for
/// a project listed without money yet.
#[derive(InputObject)]
pub struct PlannedProjectInput {
    /// The project (its global ID): one of the county's.
    pub project: ID,
    /// The fund line that pays for it (its global ID), one of the county's lines for the
    /// year and in the plan; leave out with `plannedAmount` to list the project without money.
    pub fund_line: Option<ID>,
    /// In yuan; required with `fundLine`. A line's projects together plan no more than the
    /// line's planned amount.
    pub planned_amount: Option<Decimal>,
}

/// Which project row to take out of the plan.
#[derive(InputObject)]
pub struct PlannedProjectKeyInput {
    /// The project (its global ID).
    pub project: ID,
    /// The fund line of the row; leave out for the row without money.
    pub fund_line: Option<ID>,
}

/// A sector of the plan and its targets.
#[derive(InputObject)]
pub struct SectorTargetInput {
    /// 行业, listed once.
    pub sector: Sector,
    /// In the sector's unit, at most 3 decimals.
    pub target_quantity: Decimal,
    /// How many projects the sector plans; not negative.
    pub target_project_count: i32,
}

/// 年度计划 — changes to a county-year plan. The draft being edited, or a new version that
/// starts as a copy of the latest approved one (计划调整): the fund lines and sectors named
/// are added or changed, those in `removeFundLines` / `removeSectors` taken out, the rest
/// kept.
#[derive(InputObject)]
pub struct AnnualPlanSetInput {
    /// The county's 12-digit code; a county in your area.
    pub county_code: String,
    /// 年度 — the programme year, 2000–2100.
    pub year: i32,
    /// The version to edit; leave out to edit the latest draft, or to start a new version
    /// after the latest approved one. Naming an approved version is refused (PLAN_LOCKED).
    pub version: Option<i32>,
    /// Fund lines to add to the plan or change, with their planned amounts.
    #[graphql(default)]
    pub fund_lines: Vec<PlannedFundInput>,
    /// Sectors to add to the plan or change, with their targets.
    #[graphql(default)]
    pub sectors: Vec<SectorTargetInput>,
    /// 整合方案 — project rows to add to the plan or change (a project and line listed
    /// again replaces its amount).
    #[graphql(default)]
    pub projects: Vec<PlannedProjectInput>,
    /// Project rows to take out of the plan; each must be in it.
    #[graphql(default)]
    pub remove_projects: Vec<PlannedProjectKeyInput>,
    /// Fund lines to take out of the plan (their global IDs); each must be in it.
    #[graphql(default)]
    pub remove_fund_lines: Vec<ID>,
    /// Sectors to take out of the plan; each must be in it.
    #[graphql(default)]
    pub remove_sectors: Vec<Sector>,
    /// 文号 — the document that sets or adjusts the plan, at most 200 characters; kept
    /// when left out.
    pub document_no: Option<String>,
    /// 调整原因 — why this version adjusts the one before, at most 2000 characters; kept
    /// when left out.
    pub reason: Option<String>,
}

/// Which draft of a county-year plan to approve.
#[derive(InputObject)]
pub struct AnnualPlanApproveInput {
    /// The county's 12-digit code; a county in your area.
    pub county_code: String,
    /// 年度 — the programme year.
    pub year: i32,
    /// The draft version to approve.
    pub version: i32,
    /// 批准日期 — the day it was approved (China time, UTC+8); today if omitted. Not in the
    /// future, not before the version it adjusts was approved. From this day the version
    /// is the plan in force.
    pub date: Option<Date>,
}

/// What a plan mutation did: the plan version as it now is, or why nothing changed.
#[derive(SimpleObject)]
pub struct AnnualPlanPayload {
    /// The version set or approved; null when it was refused.
    pub annual_plan: Option<AnnualPlan>,
    /// Why it was refused; empty when the change was made.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct PlanMutation;

#[Object]
impl PlanMutation {
    /// Sets the annual plan's planned amounts and sector targets (COORDINATOR).
    async fn annual_plan_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county, year, version and the plan's whole contents.")] input: AnnualPlanSetInput,
    ) -> async_graphql::Result<AnnualPlanPayload> {
        let actor = ctx.actor()?;
        let db = ctx.db()?;
        let result = async {
            let mut fund_lines = Vec::new();
            for line in &input.fund_lines {
                fund_lines.push((
                    decode_numeric(&line.fund_line, "FundLine", "fundLines")?,
                    line.planned_amount.0,
                ));
            }
            let sectors = input
                .sectors
                .iter()
                .map(|s| (s.sector, s.target_quantity.0, s.target_project_count))
                .collect();
            let mut projects = Vec::new();
            for (i, row) in input.projects.iter().enumerate() {
                let at = |field: &'static str| {
                    move |f: Fault| Fault::new(f.code, &["input", "projects", &i.to_string(), field], f.message)
                };
                projects.push((
                    decode_numeric(&row.project, "Project", "project").map_err(at("project"))?,
                    row.fund_line
                        .as_ref()
                        .map(|l| decode_numeric(l, "FundLine", "fundLine").map_err(at("fundLine")))
                        .transpose()?,
                    row.planned_amount.as_ref().map(|a| a.0),
                ));
            }
            let mut remove_projects = Vec::new();
            for row in &input.remove_projects {
                remove_projects.push((
                    decode_numeric(&row.project, "Project", "removeProjects")?,
                    row.fund_line
                        .as_ref()
                        .map(|l| decode_numeric(l, "FundLine", "removeProjects"))
                        .transpose()?,
                ));
            }
            let mut remove_fund_lines = Vec::new();
            for line in &input.remove_fund_lines {
                remove_fund_lines.push(decode_numeric(line, "FundLine", "removeFundLines")?);
            }
            svc::set(
                db,
                actor,
                PlanInput {
                    county_code: input.county_code,
                    year: input.year,
                    version: input.version,
                    fund_lines,
                    sectors,
                    projects,
                    remove_projects,
                    remove_fund_lines,
                    remove_sectors: input.remove_sectors,
                    document_no: input.document_no,
                    reason: input.reason,
                },
            )
            .await
        }
        .await;
        let (plan, user_errors) = payload(result)?;
        Ok(AnnualPlanPayload {
            annual_plan: plan.map(AnnualPlan),
            user_errors,
        })
    }

    /// Approves and locks a draft version of the plan (COORDINATOR).
    async fn annual_plan_approve(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county, year and draft version to approve.")] input: AnnualPlanApproveInput,
    ) -> async_graphql::Result<AnnualPlanPayload> {
        let actor = ctx.actor()?;
        let result = svc::approve(
            ctx.db()?,
            actor,
            &input.county_code,
            input.year,
            input.version,
            input.date.map(|d| d.0),
        )
        .await;
        let (plan, user_errors) = payload(result)?;
        Ok(AnnualPlanPayload {
            annual_plan: plan.map(AnnualPlan),
            user_errors,
        })
    }
}
