//! The demo county's exit register, judged through the use cases as its townships would:
//! most poverty villages meet most indicators; a few gaps are handed out to departments,
//! some with the projects under way that close them, one past its deadline; and one village
//! became ready this month.
use super::demo::{COUNTY, demo_actor, department_actor, township_actor};
use crate::domain::exit::{GapStatus, Level, State, default_indicators};
use crate::service::exit::{self as exit, GapStep, JudgeInput};
use crate::service::{ServiceError, ServiceResult};
use chrono::{Datelike, Duration, NaiveDate};
use entity::{department, exit_gap, project, project_village, region};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

/// The gap a village has, by its place among the county's poverty villages (none for most).
fn gap_of(n: usize) -> Option<&'static str> {
    match n % 9 {
        2 => Some("ROAD"),
        5 => Some("WATER"),
        7 if n % 2 == 1 => Some("COLLECTIVE_INCOME"),
        _ => None,
    }
}

/// Loads the register as of `today`.
pub async fn seed(db: &DatabaseConnection, today: NaiveDate) -> ServiceResult<()> {
    let villages = region::Entity::find()
        .filter(region::Column::Code.starts_with("990101"))
        .filter(region::Column::IsPovertyVillage.eq(true))
        .order_by_asc(region::Column::Code)
        .all(db)
        .await?;
    let judged_on = today - Duration::days(120);
    // This month's first day, or today on the 1st: when the ready village's last gap closed.
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let mut ready_this_month = None;
    for (n, village) in villages.iter().enumerate() {
        let township: usize = village.code[6..9]
            .parse()
            .map_err(|_| ServiceError::Internal(format!("bad village code {}", village.code)))?;
        let clerk = township_actor(db, township).await?;
        // The village's counts, from which its 贫困发生率 is worked out: nine in ten of its
        // registered poor have exited.
        let poor_households = village.poor_households;
        let poor_people = village.poor_people.max(poor_households);
        exit::set_figures(
            db,
            &clerk,
            exit::FiguresInput {
                village_code: village.code.clone(),
                year: judged_on.year(),
                population: poor_people * 6 + 200,
                poor_households,
                poor_people,
                exited_households: poor_households * 9 / 10,
                exited_people: poor_people * 9 / 10,
            },
        )
        .await?;
        let gap = gap_of(n);
        for indicator in default_indicators().into_iter().filter(|i| i.level == Level::Village) {
            let is_gap = gap == Some(indicator.code.as_str());
            let (state, value) = match indicator.code.as_str() {
                // Worked out from the counts.
                "POVERTY_INCIDENCE" => (None, None),
                "COLLECTIVE_INCOME" if is_gap => (None, Some(Decimal::new(12, 1))),
                "COLLECTIVE_INCOME" => (None, Some(Decimal::new(25 + (n as i64 % 30), 1))),
                _ if is_gap => (Some(State::Gap), None),
                _ => (Some(State::Met), None),
            };
            exit::judge(
                db,
                &clerk,
                JudgeInput {
                    village_code: village.code.clone(),
                    indicator_code: indicator.code.clone(),
                    state,
                    value,
                    evidence: Some(if is_gap {
                        format!("{}未达标,已列入缺项清单", indicator.name)
                    } else {
                        format!("经入户核查,{}达标", indicator.name)
                    }),
                    documents: Vec::new(),
                    on: Some(judged_on),
                },
            )
            .await?;
        }
        if gap == Some("WATER") && ready_this_month.is_none() {
            ready_this_month = Some((village.code.clone(), township));
        }
    }
    // One village closed its last gap this month: its water was re-judged met.
    if let Some((code, township)) = &ready_this_month {
        exit::judge(
            db,
            &township_actor(db, *township).await?,
            JudgeInput {
                village_code: code.clone(),
                indicator_code: "WATER".into(),
                state: Some(State::Met),
                value: None,
                evidence: Some("集中供水工程通水,水质检测合格".into()),
                documents: vec!["水质检测报告".into()],
                on: Some(this_month.max(judged_on + Duration::days(1))),
            },
        )
        .await?;
    }
    // The county's own indicators, judged by the poverty office.
    let coordinator = demo_actor(db, "coordinator").await?;
    for (code, value) in [
        ("COUNTY_POVERTY_INCIDENCE", Decimal::new(186, 2)),
        ("RECOGNITION", Decimal::new(9620, 2)),
    ] {
        exit::judge(
            db,
            &coordinator,
            JudgeInput {
                village_code: COUNTY.into(),
                indicator_code: code.into(),
                state: None,
                value: Some(value),
                evidence: Some("县级自评".into()),
                documents: Vec::new(),
                on: Some(judged_on),
            },
        )
        .await?;
    }
    hand_out(db, today, judged_on).await
}

/// Hands the open road and water gaps to their departments: claimed, linked to a project of
/// the village where one is under way; the first one with a deadline already past.
async fn hand_out(db: &DatabaseConnection, today: NaiveDate, judged_on: NaiveDate) -> ServiceResult<()> {
    let coordinator = demo_actor(db, "coordinator").await?;
    let gaps = exit_gap::Entity::find()
        .filter(exit_gap::Column::CountyCode.eq(COUNTY))
        .filter(exit_gap::Column::Status.eq(GapStatus::Open.as_str()))
        .filter(exit_gap::Column::IndicatorCode.is_in(["ROAD", "WATER"]))
        .order_by_asc(exit_gap::Column::Id)
        .all(db)
        .await?;
    for (n, gap) in gaps.into_iter().enumerate() {
        let name = if gap.indicator_code == "ROAD" {
            "示范县交通运输局"
        } else {
            "示范县水利局"
        };
        let department = department::Entity::find()
            .filter(department::Column::CountyCode.eq(COUNTY))
            .filter(department::Column::Name.eq(name))
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("demo department {name} is missing")))?;
        let assigned_on = judged_on + Duration::days(5);
        let deadline = if n == 0 {
            today - Duration::days(10)
        } else {
            today + Duration::days(60)
        };
        let gap = exit::gap_step(
            db,
            &coordinator,
            gap.id,
            gap.version,
            GapStep::Assign {
                department_id: department.id,
                deadline: deadline.max(assigned_on),
            },
            Some(assigned_on),
        )
        .await?;
        let clerk = department_actor(db, &department).await?;
        let gap = exit::gap_step(
            db,
            &clerk,
            gap.id,
            gap.version,
            GapStep::Claim,
            Some(assigned_on + Duration::days(2)),
        )
        .await?;
        let sector = if gap.indicator_code == "ROAD" {
            "ROAD"
        } else {
            "DRINKING_WATER"
        };
        let under_way = project::Entity::find()
            .filter(project::Column::Sector.eq(sector))
            .filter(project::Column::Status.is_in(["CLAIMED", "PREPARING", "UNDER_CONSTRUCTION", "COMPLETED"]))
            .filter(
                project::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(project_village::Column::ProjectId)
                        .from(project_village::Entity)
                        .and_where(project_village::Column::VillageCode.eq(gap.village_code.as_str()))
                        .to_owned(),
                ),
            )
            .one(db)
            .await?;
        if let Some(p) = under_way {
            exit::gap_step(
                db,
                &coordinator,
                gap.id,
                gap.version,
                GapStep::Link { project_id: p.id },
                None,
            )
            .await?;
        }
    }
    Ok(())
}
