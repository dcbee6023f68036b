//! 贫困村退出 — `exitStandard`, `exitRegister`, `exitReadiness`, `gapList`, and the
//! mutations that set the standard, judge indicators and hand out the gaps.
use super::context::ContextExt;
use super::departments::{Department, department_of};
use super::errors::{OrApiError, UserError, from_service, internal, payload};
use super::node::{decode_numeric, global_id};
use super::object::Plain;
use super::pagination::{ConnectionOf, connection, cost, page_request};
use super::projects::{Project, visible_projects};
use super::regions::{Region, region_of};
use super::scalars::{Date, Decimal};
use crate::domain::calendar;
use crate::domain::exit::{self as rules, Comparator, GapStatus, Indicator, IndicatorKind, Level, State};
use crate::domain::sector::Sector;
use crate::service::exit::{
    self as svc, GapFilter, GapStep, JudgeInput, ReadinessGrouping, ReadinessRow, Standard, StandardInput, VillageRow,
};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{exit_gap, exit_judgement};
use std::sync::Arc;

pub struct ExitStandard(Arc<Standard>);

/// 退出标准 — the indicators a poverty village must meet to exit: the county's version in
/// force, or the usual set.
#[Object]
impl ExitStandard {
    /// The county's version; null for the usual set.
    async fn version(&self) -> Option<i32> {
        self.0.row.as_ref().map(|r| r.version)
    }
    /// The first day it judges by; null for the usual set.
    async fn effective_from(&self) -> Option<Date> {
        self.0.row.as_ref().map(|r| Date(r.effective_from))
    }
    /// Its name or document.
    async fn name(&self) -> &str {
        self.0.row.as_ref().map_or("贫困村退出标准(通用)", |r| r.name.as_str())
    }
    /// Whether it is the usual set (the county has none of its own in force).
    async fn is_default(&self) -> bool {
        self.0.row.is_none()
    }
    /// Its indicators, in order.
    async fn indicators(&self) -> Vec<ExitIndicator> {
        self.0.indicators.iter().cloned().map(ExitIndicator).collect()
    }
}

pub struct ExitIndicator(Indicator);

/// One indicator of an exit standard.
#[Object]
impl ExitIndicator {
    /// Its code (ROAD, WATER, POVERTY_INCIDENCE, …).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// 指标.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Whom it judges: each poverty village, or the county itself.
    async fn level(&self) -> Level {
        self.0.level
    }
    /// The sector whose projects close a gap on it.
    async fn sector(&self) -> Option<Sector> {
        self.0.sector
    }
    /// Judged by hand, or measured against the threshold.
    async fn kind(&self) -> IndicatorKind {
        self.0.kind
    }
    /// For a measured indicator.
    async fn comparator(&self) -> Option<Comparator> {
        self.0.comparator
    }
    /// For a measured indicator.
    async fn threshold(&self) -> Option<Decimal> {
        self.0.threshold.map(Decimal)
    }
    /// The threshold's unit (%, 万元).
    async fn unit(&self) -> Option<&str> {
        self.0.unit.as_deref()
    }
    /// 依据 — the document that sets it.
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// The standard in words: "贫困发生率 < 3%".
    async fn criterion(&self) -> String {
        self.0.criterion()
    }
}

pub struct ExitJudgement(exit_judgement::Model);

/// 达标登记 — a village's state on an indicator, as judged on a day.
#[Object]
impl ExitJudgement {
    /// The indicator's code.
    async fn indicator_code(&self) -> &str {
        &self.0.indicator_code
    }
    /// MET, GAP or NOT_APPLICABLE.
    async fn state(&self) -> async_graphql::Result<State> {
        State::parse(&self.0.state).ok_or_else(|| internal("unknown exit state"))
    }
    /// The measured value, for a measured indicator.
    async fn value(&self) -> Option<Decimal> {
        self.0.value.as_deref().and_then(|v| v.parse().ok()).map(Decimal)
    }
    /// The evidence given.
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }
    /// Document references.
    async fn documents(&self) -> Vec<String> {
        self.0
            .documents
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or_default()
    }
    /// The project whose acceptance met it, when you may see it.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        match self.0.project_id {
            None => Ok(None),
            Some(id) => Ok(visible_projects(ctx, &[id]).await?.pop()),
        }
    }
    /// The day it was judged.
    async fn judged_on(&self) -> Date {
        Date(self.0.judged_on)
    }
    /// Who judged it (username).
    async fn judged_by(&self) -> &str {
        &self.0.judged_by
    }
}

pub struct ExitRegisterVillage(VillageRow, Arc<Standard>, i32);

/// One poverty village of the register.
#[Object]
impl ExitRegisterVillage {
    /// The village.
    async fn village(&self) -> Region {
        Region(Arc::new(self.0.village.clone()))
    }
    /// Whether it meets every indicator (each MET or NOT_APPLICABLE) on the day.
    async fn ready(&self) -> bool {
        self.0.ready
    }
    /// Each village indicator's judgement in force on the day, in the standard's order; null
    /// where it has not been judged (which blocks the exit).
    async fn judgements(&self) -> Vec<Option<ExitJudgement>> {
        self.0
            .judgements
            .iter()
            .cloned()
            .map(|j| j.map(ExitJudgement))
            .collect()
    }
    /// The village's counts for a year (that of the day asked when left out).
    async fn figures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year.")] year: Option<i32>,
    ) -> async_graphql::Result<Option<VillageFigures>> {
        let year = year.unwrap_or(self.2);
        let mut found = svc::figures_of(ctx.db()?, std::slice::from_ref(&self.0.village.code), year)
            .await
            .api()?;
        Ok(found.remove(&self.0.village.code).map(VillageFigures::of))
    }
    /// The indicators not met on the day (缺项), by code.
    async fn gaps(&self) -> Vec<String> {
        self.1
            .of_level(Level::Village)
            .into_iter()
            .zip(&self.0.judgements)
            .filter(|(_, j)| State::blocks_exit(j.as_ref().and_then(|j| State::parse(&j.state))))
            .map(|(i, _)| i.code.clone())
            .collect()
    }
}

/// 达标登记台账 on a day.
#[derive(SimpleObject)]
pub struct ExitRegister {
    /// The day.
    pub as_of: Date,
    /// The standard in force that day.
    pub standard: ExitStandard,
    /// The poverty villages, by code, on the village indicators.
    pub villages: Vec<ExitRegisterVillage>,
    /// For a county: its own indicators (综合贫困发生率, 群众认可度), each's judgement in force
    /// in the standard's order (null where not judged); null below a county.
    pub county_judgements: Option<Vec<Option<ExitJudgement>>>,
}

/// One group of readiness.
pub struct ExitReadinessGroup(ReadinessRow, Option<ReadinessGrouping>, Arc<Standard>);

/// Villages ready to exit, of a group.
#[Object]
impl ExitReadinessGroup {
    /// A township's code or an indicator's code; empty for the total.
    async fn key(&self) -> &str {
        &self.0.key
    }
    /// The township's or indicator's name; 合计 for the total.
    async fn label(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(match self.1 {
            None => "合计".into(),
            Some(ReadinessGrouping::Township) => region_of(ctx, Some(&self.0.key))
                .await?
                .map(|r| r.0.0.name.clone())
                .unwrap_or_default(),
            Some(ReadinessGrouping::Indicator) => self
                .2
                .indicator(&self.0.key)
                .map(|i| i.name.clone())
                .unwrap_or_default(),
        })
    }
    /// Poverty villages in the group.
    async fn villages(&self) -> u32 {
        self.0.villages
    }
    /// Ready: meeting every indicator (by township), or meeting this one (by indicator).
    async fn ready(&self) -> u32 {
        self.0.ready
    }
    /// The others.
    async fn not_ready(&self) -> u32 {
        self.0.villages - self.0.ready
    }
    /// Ready ÷ villages, in percent; null for no villages.
    async fn share(&self) -> Option<Decimal> {
        crate::domain::metrics::rate(i64::from(self.0.ready), i64::from(self.0.villages)).map(Decimal)
    }
}

/// Readiness on a day.
#[derive(SimpleObject)]
pub struct ExitReadiness {
    /// The day.
    pub as_of: Date,
    /// The groups.
    pub groups: Vec<ExitReadinessGroup>,
    /// Every poverty village: ready when it meets every indicator.
    pub total: ExitReadinessGroup,
}

pub struct ExitGap(pub exit_gap::Model);

/// 缺项清单 — a village's gap on an indicator, handed out to be closed.
#[Object]
impl ExitGap {
    /// The gap's opaque global ID.
    pub async fn id(&self) -> ID {
        global_id("ExitGap", self.0.id)
    }
    /// The village.
    async fn village(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Region>>> {
        region_of(ctx, Some(&self.0.village_code)).await
    }
    /// The indicator's code.
    async fn indicator_code(&self) -> &str {
        &self.0.indicator_code
    }
    /// Where it stands.
    async fn status(&self) -> async_graphql::Result<GapStatus> {
        GapStatus::parse(&self.0.status).ok_or_else(|| internal("unknown gap status"))
    }
    /// The day it was found.
    async fn opened_on(&self) -> Date {
        Date(self.0.opened_on)
    }
    /// The department it is assigned to.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.0.department_id).await
    }
    /// The deadline it was handed out with.
    async fn deadline(&self) -> Option<Date> {
        self.0.deadline.map(Date)
    }
    /// The day it was assigned (清单交办).
    async fn assigned_on(&self) -> Option<Date> {
        self.0.assigned_on.map(Date)
    }
    /// The day the department claimed it.
    async fn claimed_on(&self) -> Option<Date> {
        self.0.claimed_on.map(Date)
    }
    /// The day the indicator was met (销号).
    async fn closed_on(&self) -> Option<Date> {
        self.0.closed_on.map(Date)
    }
    /// 逾期 — not closed after its deadline, today.
    async fn overdue(&self) -> async_graphql::Result<bool> {
        let status = GapStatus::parse(&self.0.status).ok_or_else(|| internal("unknown gap status"))?;
        Ok(rules::gap_days_overdue(status, self.0.deadline, calendar::today()).is_some())
    }
    /// The projects that close it, those you may see.
    async fn projects(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Project>> {
        let ids = ctx.loaders()?.exit_gap_projects.load_one(&self.0.id).await?;
        visible_projects(ctx, &ids.unwrap_or_default()).await
    }
    /// Bumped by every step: give it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Which gaps to list; every condition given must hold.
#[derive(InputObject, Default)]
pub struct ExitGapFilter {
    /// Gaps assigned to this department (its global ID).
    pub department: Option<ID>,
    /// Gaps on this indicator (its code).
    pub indicator: Option<String>,
    /// Gaps standing here.
    pub status: Option<GapStatus>,
    /// `true`: only those past their deadline and not closed, today; `false`: the others.
    pub overdue: Option<bool>,
}

#[derive(Default)]
pub struct ExitQuery;

#[Object]
impl ExitQuery {
    /// 退出标准 — the standard in force in a county on a day.
    async fn exit_standard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county (12-digit code).")] county_code: String,
        #[graphql(desc = "The day; today when left out.")] as_of: Option<Date>,
    ) -> async_graphql::Result<ExitStandard> {
        let standard = svc::standard(ctx.db()?, ctx.actor()?, &county_code, as_of.map(|d| d.0))
            .await
            .api()?;
        Ok(ExitStandard(Arc::new(standard)))
    }

    /// 达标登记台账 — every poverty village of a region with its state on each indicator as
    /// judged by the end of a day, and whether it meets them all.
    async fn exit_register(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A county, township or village (12-digit code).")] region_code: String,
        #[graphql(desc = "The day; today when left out.")] as_of: Option<Date>,
    ) -> async_graphql::Result<ExitRegister> {
        let as_of = as_of.map_or_else(calendar::today, |d| d.0);
        let (standard, rows) = svc::register(ctx.db()?, ctx.actor()?, &region_code, as_of)
            .await
            .api()?;
        let county_judgements = match crate::domain::region::RegionCode::parse(region_code.trim()) {
            Ok(code) if code.level() == crate::domain::region::RegionLevel::County => Some(
                svc::county_judgements(ctx.db()?, &standard, code.as_str(), as_of)
                    .await
                    .api()?
                    .into_iter()
                    .map(|j| j.map(ExitJudgement))
                    .collect(),
            ),
            _ => None,
        };
        let standard = Arc::new(standard);
        Ok(ExitRegister {
            county_judgements,
            as_of: Date(as_of),
            villages: rows
                .into_iter()
                .map(|r| ExitRegisterVillage(r, standard.clone(), chrono::Datelike::year(&as_of)))
                .collect(),
            standard: ExitStandard(standard),
        })
    }

    /// 退出研判 — poverty villages ready to exit on a day, by township or by indicator.
    async fn exit_readiness(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A county or township (12-digit code).")] region_code: String,
        #[graphql(desc = "By township or by indicator.")] group_by: ReadinessGrouping,
        #[graphql(desc = "The day; today when left out.")] as_of: Option<Date>,
    ) -> async_graphql::Result<ExitReadiness> {
        let as_of = as_of.map_or_else(calendar::today, |d| d.0);
        let (standard, groups, total) = svc::readiness(ctx.db()?, ctx.actor()?, &region_code, group_by, as_of)
            .await
            .api()?;
        let standard = Arc::new(standard);
        Ok(ExitReadiness {
            as_of: Date(as_of),
            groups: groups
                .into_iter()
                .map(|g| ExitReadinessGroup(g, Some(group_by), standard.clone()))
                .collect(),
            total: ExitReadinessGroup(total, None, standard),
        })
    }

    /// 缺项清单 — the gaps of a region you see, oldest first.
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn gap_list(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A county, township or village (12-digit code).")] region_code: String,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which gaps; all when left out.")] filter: Option<ExitGapFilter>,
    ) -> async_graphql::Result<ConnectionOf<ExitGap>> {
        let filter = filter.unwrap_or_default();
        let department_id = filter
            .department
            .map(|id| decode_numeric(&id, "Department", "department"))
            .transpose()
            .map_err(|f| from_service(f.into()))?;
        let service_filter = GapFilter {
            region_code: Some(region_code),
            department_id,
            indicator_code: filter.indicator,
            status: filter.status,
            overdue: filter.overdue,
        };
        let page = page_request::<i64>(first, after.clone())?;
        let rows = svc::gaps(ctx.db()?, ctx.actor()?, &service_filter, &page).await.api()?;
        Ok(connection(rows, after.is_some(), |g| g.id.to_string(), ExitGap))
    }
}

/// One indicator of a new standard.
#[derive(InputObject)]
pub struct ExitIndicatorInput {
    /// A code, 1–32 capitals, digits or _, unique in the standard.
    pub code: String,
    /// 指标, at most 100 characters.
    pub name: String,
    /// Whom it judges: each poverty village (the default) or the county itself.
    #[graphql(default_with = "Level::Village")]
    pub level: Level,
    /// The sector whose projects close a gap on it.
    pub sector: Option<Sector>,
    /// Judged by hand, or measured.
    pub kind: IndicatorKind,
    /// For a measured indicator.
    pub comparator: Option<Comparator>,
    /// For a measured indicator, at most 4 decimals.
    pub threshold: Option<Decimal>,
    /// The threshold's unit, at most 16 characters.
    pub unit: Option<String>,
    /// 依据, at most 200 characters.
    pub source: String,
}

/// A new version of a county's exit standard.
#[derive(InputObject)]
pub struct ExitStandardSetInput {
    /// The county (12-digit code).
    pub county_code: String,
    /// The first day it judges by.
    pub effective_from: Date,
    /// Its name or document, at most 200 characters.
    pub name: String,
    /// Its indicators.
    pub indicators: Vec<ExitIndicatorInput>,
}

/// What `exitStandardSet` did.
#[derive(SimpleObject)]
pub struct ExitStandardPayload {
    /// The new version; null when refused.
    pub standard: Option<ExitStandard>,
    /// Why it was refused; empty when it was done.
    pub user_errors: Vec<UserError>,
}

/// 达标登记 — a village's state on an indicator.
#[derive(InputObject)]
pub struct ExitIndicatorJudgeInput {
    /// The village (12-digit code).
    pub village_code: String,
    /// The indicator's code.
    pub indicator: String,
    /// For an indicator judged by hand: MET or GAP; NOT_APPLICABLE for either kind.
    pub state: Option<State>,
    /// For a measured indicator: the value (its state follows from the threshold).
    pub value: Option<Decimal>,
    /// The evidence, at most 2000 characters.
    pub evidence: Option<String>,
    /// Document references, at most 20.
    #[graphql(default)]
    pub documents: Vec<String>,
    /// The day it was judged (China time); today if omitted, not in the future, not before
    /// the indicator's previous judgement for the village.
    pub date: Option<Date>,
}

/// What `exitIndicatorJudge` did.
#[derive(SimpleObject)]
pub struct ExitJudgementPayload {
    /// The judgement recorded; null when refused.
    pub judgement: Option<ExitJudgement>,
    /// Why it was refused; empty when it was done.
    pub user_errors: Vec<UserError>,
}

/// A step on a gap.
#[derive(InputObject)]
pub struct ExitGapStepInput {
    /// The gap (its global ID).
    pub gap: ID,
    /// The `version` you read.
    pub expected_version: i32,
    /// For an assignment: the department (its global ID).
    pub department: Option<ID>,
    /// For an assignment: the deadline, not before the assignment.
    pub deadline: Option<Date>,
    /// For linking or unlinking: the project (its global ID), which serves the village.
    pub project: Option<ID>,
    /// The day it happened (China time); today if omitted.
    pub date: Option<Date>,
}

/// What a gap mutation did.
#[derive(SimpleObject)]
pub struct ExitGapPayload {
    /// The gap as it now is; null when refused.
    pub gap: Option<ExitGap>,
    /// Why it was refused; empty when it was done.
    pub user_errors: Vec<UserError>,
}

async fn gap_step(
    ctx: &Context<'_>,
    input: ExitGapStepInput,
    step: impl FnOnce(&ExitGapStepInput) -> Result<GapStep, crate::domain::fault::Fault>,
) -> async_graphql::Result<ExitGapPayload> {
    let (db, actor) = (ctx.db()?, ctx.actor()?);
    let result = async {
        let id = decode_numeric(&input.gap, "ExitGap", "gap")?;
        let step = step(&input)?;
        svc::gap_step(db, actor, id, input.expected_version, step, input.date.map(|d| d.0)).await
    }
    .await;
    let (gap, user_errors) = payload(result)?;
    Ok(ExitGapPayload {
        gap: gap.map(ExitGap),
        user_errors,
    })
}

fn project_of(input: &ExitGapStepInput) -> Result<i64, crate::domain::fault::Fault> {
    match &input.project {
        Some(id) => decode_numeric(id, "Project", "project"),
        None => Err(crate::domain::fault::Fault::invalid("project", "say which project")),
    }
}

#[derive(Default)]
pub struct ExitMutation;

#[Object]
impl ExitMutation {
    /// 退出标准 — sets a new version of a county's exit standard (COORDINATOR).
    async fn exit_standard_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county, the first day, the name and the indicators.")] input: ExitStandardSetInput,
    ) -> async_graphql::Result<ExitStandardPayload> {
        let input = StandardInput {
            county_code: input.county_code,
            effective_from: input.effective_from.0,
            name: input.name,
            indicators: input
                .indicators
                .into_iter()
                .map(|i| Indicator {
                    code: i.code.trim().to_string(),
                    name: i.name,
                    level: i.level,
                    sector: i.sector,
                    kind: i.kind,
                    comparator: i.comparator,
                    threshold: i.threshold.map(|t| t.0),
                    unit: i.unit,
                    source: i.source,
                })
                .collect(),
        };
        let (standard, user_errors) = payload(svc::set_standard(ctx.db()?, ctx.actor()?, input).await)?;
        Ok(ExitStandardPayload {
            standard: standard.map(|s| ExitStandard(Arc::new(s))),
            user_errors,
        })
    }

    /// 达标登记 — records a village's state on an indicator (its TOWNSHIP, or COORDINATOR).
    /// A GAP opens a gap on the gap list; MET or NOT_APPLICABLE closes it.
    async fn exit_indicator_judge(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The village, the indicator and the state or value.")] input: ExitIndicatorJudgeInput,
    ) -> async_graphql::Result<ExitJudgementPayload> {
        let input = JudgeInput {
            village_code: input.village_code,
            indicator_code: input.indicator,
            state: input.state,
            value: input.value.map(|v| v.0),
            evidence: input.evidence,
            documents: input.documents,
            on: input.date.map(|d| d.0),
        };
        let (judgement, user_errors) = payload(svc::judge(ctx.db()?, ctx.actor()?, input).await)?;
        Ok(ExitJudgementPayload {
            judgement: judgement.map(ExitJudgement),
            user_errors,
        })
    }

    /// 清单交办 — assigns a gap to a department with a deadline (COORDINATOR).
    async fn exit_gap_assign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The gap, the department and the deadline.")] input: ExitGapStepInput,
    ) -> async_graphql::Result<ExitGapPayload> {
        gap_step(ctx, input, |i| {
            let department_id = match &i.department {
                Some(id) => decode_numeric(id, "Department", "department")?,
                None => {
                    return Err(crate::domain::fault::Fault::invalid(
                        "department",
                        "say which department",
                    ));
                }
            };
            let deadline = i
                .deadline
                .ok_or_else(|| crate::domain::fault::Fault::invalid("deadline", "give the deadline"))?;
            Ok(GapStep::Assign {
                department_id,
                deadline: deadline.0,
            })
        })
        .await
    }

    /// 认领 — the department a gap is assigned to claims it.
    async fn exit_gap_claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The gap.")] input: ExitGapStepInput,
    ) -> async_graphql::Result<ExitGapPayload> {
        gap_step(ctx, input, |_| Ok(GapStep::Claim)).await
    }

    /// Links a project of the village that closes the gap: its acceptance meets the
    /// indicator on the acceptance day (COORDINATOR, or the department the gap is assigned to).
    async fn exit_gap_link_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The gap and the project.")] input: ExitGapStepInput,
    ) -> async_graphql::Result<ExitGapPayload> {
        gap_step(ctx, input, |i| {
            Ok(GapStep::Link {
                project_id: project_of(i)?,
            })
        })
        .await
    }

    /// Records a village's counts for a year (its TOWNSHIP, or COORDINATOR): registered
    /// population, poor households and people, those who exited. A second record for the
    /// same year replaces the first.
    async fn village_figures_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The village, the year and the counts.")] input: VillageFiguresSetInput,
    ) -> async_graphql::Result<VillageFiguresPayload> {
        let input = svc::FiguresInput {
            village_code: input.village_code,
            year: input.year,
            population: input.population,
            poor_households: input.poor_households,
            poor_people: input.poor_people,
            exited_households: input.exited_households,
            exited_people: input.exited_people,
        };
        let (figures, user_errors) = payload(svc::set_figures(ctx.db()?, ctx.actor()?, input).await)?;
        Ok(VillageFiguresPayload {
            figures: figures.map(VillageFigures::of),
            user_errors,
        })
    }

    /// Unlinks a project from a gap.
    async fn exit_gap_unlink_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The gap and the project.")] input: ExitGapStepInput,
    ) -> async_graphql::Result<ExitGapPayload> {
        gap_step(ctx, input, |i| {
            Ok(GapStep::Unlink {
                project_id: project_of(i)?,
            })
        })
        .await
    }
}

/// A village's counts for a year.
#[derive(SimpleObject)]
pub struct VillageFigures {
    /// The year.
    pub year: i32,
    /// 户籍人口.
    pub population: i32,
    /// 建档立卡贫困户.
    pub poor_households: i32,
    /// 建档立卡贫困人口.
    pub poor_people: i32,
    /// Households that exited (脱贫) by the year's end.
    pub exited_households: i32,
    /// People who exited by the year's end.
    pub exited_people: i32,
    /// 贫困发生率 — the poor not yet exited of the population, in percent (2 decimals).
    pub poverty_incidence: Option<Decimal>,
    /// Who recorded them.
    pub updated_by: String,
}

impl VillageFigures {
    fn of(row: entity::village_figures::Model) -> VillageFigures {
        VillageFigures {
            poverty_incidence: svc::incidence_of(&row).map(Decimal),
            year: row.year,
            population: row.population,
            poor_households: row.poor_households,
            poor_people: row.poor_people,
            exited_households: row.exited_households,
            exited_people: row.exited_people,
            updated_by: row.updated_by,
        }
    }
}

/// A village's counts for a year: counts only, no personal data.
#[derive(InputObject)]
pub struct VillageFiguresSetInput {
    /// The village (12-digit code).
    pub village_code: String,
    /// The year, 2000–2100.
    pub year: i32,
    /// 户籍人口.
    pub population: i32,
    /// 建档立卡贫困户, at most the poor people.
    pub poor_households: i32,
    /// 建档立卡贫困人口, at most the population.
    pub poor_people: i32,
    /// Households that exited by the year's end, at most the poor households.
    pub exited_households: i32,
    /// People who exited by the year's end, at most the poor people.
    pub exited_people: i32,
}

/// What `villageFiguresSet` did.
#[derive(SimpleObject)]
pub struct VillageFiguresPayload {
    /// The counts recorded; null when refused.
    pub figures: Option<VillageFigures>,
    /// Why it was refused; empty when it was done.
    pub user_errors: Vec<UserError>,
}
