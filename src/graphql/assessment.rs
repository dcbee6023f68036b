//! 督考 — `assessmentScores`, `assessmentRecord`, `assessmentScheme`, and
//! `assessmentSchemeSet`.
use super::context::ContextExt;
use super::departments::{Department, department_of};
use super::errors::{OrApiError, UserError, bad_input, payload};
use super::node::decode_numeric;
use super::object::Plain;
use super::regions::{Region, region_of};
use super::scalars::{Date, Decimal};
use crate::domain::assessment::{AssessedUnit, Indicator, Quarter, Rule, Value};
use crate::domain::calendar;
use crate::service::assessment::{self as svc, IndicatorScore, Scheme, SchemeInput, UnitScore};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

pub struct AssessmentScheme(Scheme);

/// 督考方案 — the indicators a county scores its townships and departments by, with their
/// weights: its own version in force, or the default.
#[Object]
impl AssessmentScheme {
    /// The county's version number; null for the default scheme.
    async fn version(&self) -> Option<i32> {
        self.0.row.as_ref().map(|r| r.version)
    }
    /// The first day it scores; null for the default.
    async fn effective_from(&self) -> Option<Date> {
        self.0.row.as_ref().map(|r| Date(r.effective_from))
    }
    /// Its name or the document that sets it.
    async fn name(&self) -> &str {
        self.0.row.as_ref().map_or("默认督考方案", |r| r.name.as_str())
    }
    /// Whether it is the default (the county has set none in force).
    async fn is_default(&self) -> bool {
        self.0.row.is_none()
    }
    /// Its indicators, for townships then departments.
    async fn rules(&self) -> Vec<AssessmentRule> {
        self.0.rules.iter().copied().map(AssessmentRule).collect()
    }
}

pub struct AssessmentRule(Rule);

/// One indicator of a scheme.
#[Object]
impl AssessmentRule {
    /// Who it scores.
    async fn unit(&self) -> AssessedUnit {
        self.0.unit
    }
    /// What it measures.
    async fn indicator(&self) -> Indicator {
        self.0.indicator
    }
    /// The indicator as the county writes it.
    async fn indicator_name(&self) -> &'static str {
        self.0.indicator.chinese_name()
    }
    /// 分值 — the points it is worth.
    async fn weight(&self) -> Decimal {
        Decimal(self.0.weight)
    }
    /// For OVERDUE_ITEMS, the points each item costs.
    async fn deduction_per_item(&self) -> Option<Decimal> {
        self.0.deduction_per_item.map(Decimal)
    }
}

pub struct AssessmentScore(UnitScore);

/// One township's or department's score for a quarter.
#[Object]
impl AssessmentScore {
    /// 排名 — its place (ties share a place).
    async fn rank(&self) -> Option<u32> {
        self.0.rank
    }
    /// 总分 — the points of every indicator together.
    async fn total(&self) -> Decimal {
        Decimal(self.0.total)
    }
    /// The township scored.
    async fn township(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Region>>> {
        region_of(ctx, self.0.township_code.as_deref()).await
    }
    /// The department scored.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.0.department_id).await
    }
    /// Each indicator's value and points, in the scheme's order.
    async fn indicators(&self) -> Vec<AssessmentIndicatorScore> {
        self.0
            .indicators
            .iter()
            .cloned()
            .map(AssessmentIndicatorScore)
            .collect()
    }
}

pub struct AssessmentIndicatorScore(IndicatorScore);

/// One indicator of a unit's score.
#[Object]
impl AssessmentIndicatorScore {
    /// What it measures.
    async fn indicator(&self) -> Indicator {
        self.0.rule.indicator
    }
    /// The indicator as the county writes it.
    async fn indicator_name(&self) -> &'static str {
        self.0.rule.indicator.chinese_name()
    }
    /// The figure: a percentage (2 decimals), or for OVERDUE_ITEMS the number of items;
    /// null when there is nothing to measure (which scores the whole weight).
    async fn value(&self) -> Option<Decimal> {
        match self.0.value {
            Value::Rate(r) => r.map(Decimal),
            Value::Count(n) => Some(Decimal(n.into())),
        }
    }
    /// 分值 — the points it is worth.
    async fn weight(&self) -> Decimal {
        Decimal(self.0.rule.weight)
    }
    /// 得分 — the points it earned.
    async fn points(&self) -> Decimal {
        Decimal(self.0.points)
    }
}

/// The scores of a county's townships or departments for a quarter.
#[derive(SimpleObject)]
pub struct AssessmentScores {
    /// The year.
    pub year: i32,
    /// The quarter, 1–4.
    pub quarter: u32,
    /// The day the figures are as of: the quarter's last day, or today while it runs.
    pub as_of: Date,
    /// The scheme in force on the quarter's last day.
    pub scheme: AssessmentScheme,
    /// How many townships or departments were ranked.
    pub units_ranked: u32,
    /// By place; a township or department user gets its own row only.
    pub rows: Vec<AssessmentScore>,
}

/// One quarter of a unit's record (实绩档案).
#[derive(SimpleObject)]
pub struct AssessmentRecordEntry {
    /// The quarter, 1–4.
    pub quarter: u32,
    /// The day its figures are as of.
    pub as_of: Date,
    /// The unit's score that quarter.
    pub score: AssessmentScore,
    /// How many units were ranked.
    pub out_of: u32,
}

fn quarter(year: i32, number: i32) -> async_graphql::Result<Quarter> {
    Quarter::new(year, u32::try_from(number).unwrap_or(0)).map_err(|f| bad_input(f.message))
}

#[derive(Default)]
pub struct AssessmentQuery;

#[Object]
impl AssessmentQuery {
    /// 督考 — a quarter's scores of a county's townships or departments: each indicator's
    /// figure as it stood at the quarter's end, its points, the total and the place. Asked
    /// again later, a past quarter gives the same scores.
    async fn assessment_scores(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year.")] year: i32,
        #[graphql(desc = "The quarter, 1–4.")] quarter: i32,
        #[graphql(desc = "The county (12-digit code).")] region_code: String,
        #[graphql(desc = "Townships or departments.")] by: AssessedUnit,
    ) -> async_graphql::Result<AssessmentScores> {
        let q = self::quarter(year, quarter)?;
        let scores = svc::scores(ctx.db()?, ctx.actor()?, q, &region_code, by).await.api()?;
        Ok(AssessmentScores {
            year,
            quarter: q.number,
            as_of: Date(scores.as_of),
            scheme: AssessmentScheme(scores.scheme),
            units_ranked: scores.ranked,
            rows: scores.rows.into_iter().map(AssessmentScore).collect(),
        })
    }

    /// 实绩档案 — one township's or department's score and place in each quarter of a year
    /// that has begun.
    async fn assessment_record(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year.")] year: i32,
        #[graphql(desc = "The county (12-digit code).")] region_code: String,
        #[graphql(desc = "The department (its global ID); or give `townshipCode`.")] department: Option<ID>,
        #[graphql(desc = "The township's 12-digit code.")] township_code: Option<String>,
    ) -> async_graphql::Result<Vec<AssessmentRecordEntry>> {
        let (by, department_id) = match (&department, &township_code) {
            (Some(id), None) => (
                AssessedUnit::Department,
                Some(decode_numeric(id, "Department", "department").map_err(|f| bad_input(f.message))?),
            ),
            (None, Some(_)) => (AssessedUnit::Township, None),
            _ => return Err(bad_input("give `department` or `townshipCode`, one of them")),
        };
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let mut out = Vec::new();
        for q in Quarter::begun(year, calendar::today()) {
            let scores = svc::scores(db, actor, q, &region_code, by).await.api()?;
            let out_of = scores.ranked;
            let mine = scores.rows.into_iter().find(|r| match by {
                AssessedUnit::Department => r.department_id == department_id,
                AssessedUnit::Township => r.township_code.as_deref() == township_code.as_deref().map(str::trim),
            });
            if let Some(score) = mine {
                out.push(AssessmentRecordEntry {
                    quarter: q.number,
                    as_of: Date(scores.as_of),
                    score: AssessmentScore(score),
                    out_of,
                });
            }
        }
        Ok(out)
    }

    /// 督考方案 — the scheme in force in a county on a day.
    async fn assessment_scheme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county (12-digit code).")] county_code: String,
        #[graphql(desc = "The day; today when left out.")] as_of: Option<Date>,
    ) -> async_graphql::Result<AssessmentScheme> {
        let scheme = svc::scheme(ctx.db()?, ctx.actor()?, &county_code, as_of.map(|d| d.0))
            .await
            .api()?;
        Ok(AssessmentScheme(scheme))
    }
}

/// One indicator of a new scheme.
#[derive(InputObject)]
pub struct AssessmentRuleInput {
    /// Who it scores.
    pub unit: AssessedUnit,
    /// What it measures.
    pub indicator: Indicator,
    /// 分值, above 0, at most 2 decimals; each kind of unit's weights add up to 100.
    pub weight: Decimal,
    /// For OVERDUE_ITEMS (and only for it): the points each item costs.
    pub deduction_per_item: Option<Decimal>,
}

/// A new version of a county's scoring scheme.
#[derive(InputObject)]
pub struct AssessmentSchemeSetInput {
    /// The county (12-digit code).
    pub county_code: String,
    /// The first day it scores: a quarter is scored by the scheme in force on its last day.
    pub effective_from: Date,
    /// Its name or the document that sets it, at most 200 characters.
    pub name: String,
    /// Its indicators.
    pub rules: Vec<AssessmentRuleInput>,
}

/// What `assessmentSchemeSet` did.
#[derive(SimpleObject)]
pub struct AssessmentSchemePayload {
    /// The new version; null when refused.
    pub scheme: Option<AssessmentScheme>,
    /// Why it was refused; empty when it was done.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct AssessmentMutation;

#[Object]
impl AssessmentMutation {
    /// 督考方案 — sets a new version of a county's scoring scheme (COORDINATOR). Earlier
    /// quarters keep the scheme that was in force at their end.
    async fn assessment_scheme_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county, the first day, the name and the indicators.")] input: AssessmentSchemeSetInput,
    ) -> async_graphql::Result<AssessmentSchemePayload> {
        let input = SchemeInput {
            county_code: input.county_code,
            effective_from: input.effective_from.0,
            name: input.name,
            rules: input
                .rules
                .into_iter()
                .map(|r| Rule {
                    unit: r.unit,
                    indicator: r.indicator,
                    weight: r.weight.0,
                    deduction_per_item: r.deduction_per_item.map(|d| d.0),
                })
                .collect(),
        };
        let (scheme, user_errors) = payload(svc::set_scheme(ctx.db()?, ctx.actor()?, input).await)?;
        Ok(AssessmentSchemePayload {
            scheme: scheme.map(AssessmentScheme),
            user_errors,
        })
    }
}
