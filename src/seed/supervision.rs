//! The demo county's supervision, made through the use cases as its users would: a
//! feedback batch of a dozen problems in every state (some past their deadline), the
//! monthly three lists of the previous month (cleared) and this one (published, followed
//! up), and the county's own scoring scheme, by which its quarters are scored.
use super::demo::{COUNTY, FIRST_TOWNSHIP, demo_actor, department_actor, township_actor};
use crate::domain::access::Actor;
use crate::domain::assessment::{AssessedUnit, Indicator, Rule};
use crate::domain::rectification::{IssueAction, IssueSource};
use crate::domain::task_list::{Month, Outcome, UnitKind};
use crate::service::rectification::{self as issues, Concern, IssueInput, StepInput};
use crate::service::task_lists::{self as lists, Clearing, FollowUp, ItemInput, ListInput, UnitInput};
use crate::service::{ServiceError, ServiceResult, assessment};
use chrono::{Datelike, Duration, NaiveDate};
use entity::{department, project};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

/// The problems of the batch: (category, description, unit — a department's name or a
/// township's number —, measures, how far it has come, whether its deadline has passed).
const PROBLEMS: [(&str, &str, Unit, &str, Reached, bool); 12] = [
    (
        "项目管理",
        "部分通村公路项目未按期开工",
        Unit::Department("示范县交通运输局"),
        "倒排工期,挂图作战",
        Reached::Closed,
        true,
    ),
    (
        "项目管理",
        "饮水工程项目前期工作滞后",
        Unit::Department("示范县水利局"),
        "压缩审批时限,并联办理",
        Reached::Submitted,
        true,
    ),
    (
        "资金使用",
        "涉农整合资金拨付进度偏慢",
        Unit::Township(1),
        "按月调度,限时拨付",
        Reached::Closed,
        true,
    ),
    (
        "资金使用",
        "村级项目资金公示不及时",
        Unit::Township(2),
        "建立公示台账,每月公示",
        Reached::Rectifying,
        true,
    ),
    (
        "政策落实",
        "村卫生室未配备合格村医",
        Unit::Department("示范县卫生健康局"),
        "定向招聘村医,县乡轮岗",
        Reached::Submitted,
        false,
    ),
    (
        "政策落实",
        "部分贫困户饮水安全未达标",
        Unit::Township(3),
        "逐户排查,一户一策",
        Reached::Open,
        true,
    ),
    (
        "工程质量",
        "通村公路路基压实度不足",
        Unit::Department("示范县交通运输局"),
        "返工整改,第三方检测",
        Reached::Reopened,
        false,
    ),
    (
        "工程质量",
        "供电线路改造工程验收资料不全",
        Unit::Department("示范县供电公司"),
        "补齐资料,重新验收",
        Reached::Closed,
        true,
    ),
    (
        "档案管理",
        "项目库入库资料不规范",
        Unit::Township(1),
        "统一模板,逐项补正",
        Reached::Closed,
        true,
    ),
    (
        "档案管理",
        "宽带项目绩效目标填报不实",
        Unit::Department("示范县通信发展办公室"),
        "重新核定绩效目标",
        Reached::Rectifying,
        false,
    ),
    (
        "作风建设",
        "帮扶干部入户走访记录缺失",
        Unit::Township(2),
        "建立走访台账,定期抽查",
        Reached::Submitted,
        true,
    ),
    (
        "政策落实",
        "教育资助政策宣传不到位",
        Unit::Department("示范县教育局"),
        "入户宣传,张贴明白卡",
        Reached::Open,
        false,
    ),
];

#[derive(Copy, Clone)]
enum Unit {
    Department(&'static str),
    /// The township's number, from 1.
    Township(usize),
}

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Reached {
    Open,
    Rectifying,
    Submitted,
    Closed,
    Reopened,
}

/// Loads the demo county's supervision as of `today`.
pub async fn seed(db: &DatabaseConnection, today: NaiveDate) -> ServiceResult<()> {
    seed_problems(db, today).await?;
    seed_lists(db, today).await?;
    seed_scheme(db, today).await
}

async fn department_named(db: &DatabaseConnection, name: &str) -> ServiceResult<department::Model> {
    department::Entity::find()
        .filter(department::Column::CountyCode.eq(COUNTY))
        .filter(department::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("demo department {name} is missing")))
}

async fn seed_problems(db: &DatabaseConnection, today: NaiveDate) -> ServiceResult<()> {
    let inspector = demo_actor(db, "inspector").await?;
    let coordinator = demo_actor(db, "coordinator").await?;
    let batch_date = today - Duration::days(150);
    let filed = batch_date + Duration::days(3);
    for (n, (category, description, unit, measures, reached, past_deadline)) in PROBLEMS.into_iter().enumerate() {
        let (unit_actor, department_id, township_code) = match unit {
            Unit::Department(name) => {
                let department = department_named(db, name).await?;
                (department_actor(db, &department).await?, Some(department.id), None)
            }
            Unit::Township(k) => (township_actor(db, k).await?, None, Some(format!("990101{k:03}000"))),
        };
        // A problem of a township concerns its first project; one of a department, the
        // department itself.
        let concerns = match (&township_code, department_id) {
            (Some(code), _) => {
                let first = project::Entity::find()
                    .filter(project::Column::TownshipCode.eq(code.as_str()))
                    .order_by_asc(project::Column::Id)
                    .one(db)
                    .await?;
                first
                    .map(|p| Concern {
                        kind: crate::domain::rectification::ConcernKind::Project,
                        reference: p.id.to_string(),
                    })
                    .into_iter()
                    .collect()
            }
            (None, Some(id)) => vec![Concern {
                kind: crate::domain::rectification::ConcernKind::Department,
                reference: id.to_string(),
            }],
            (None, None) => Vec::new(),
        };
        let deadline = if past_deadline {
            today - Duration::days(20 + n as i64)
        } else {
            today + Duration::days(30 + n as i64)
        };
        let mut issue = issues::file(
            db,
            if n % 2 == 0 { &inspector } else { &coordinator },
            IssueInput {
                county_code: COUNTY.into(),
                source: if n < 4 {
                    IssueSource::ProvincialFeedback
                } else {
                    IssueSource::CityFeedback
                },
                batch: format!("{}年省市反馈问题", batch_date.year()),
                batch_document_no: Some(format!("示督办〔{}〕12号", batch_date.year())),
                batch_date: Some(batch_date),
                category: category.into(),
                description: description.into(),
                concerns,
                unit_department_id: department_id,
                unit_township_code: township_code,
                responsible_person: ["张建国", "李红梅", "王志强", "赵丽"][n % 4].into(),
                responsible_user_id: unit_actor.user_id,
                measures: measures.into(),
                deadline: deadline.max(filed),
                lasting_mechanism: n % 3 == 0,
                on: Some(filed),
            },
        )
        .await?;
        let steps: &[(IssueAction, i64)] = match reached {
            Reached::Open => &[],
            Reached::Rectifying => &[(IssueAction::Start, 5)],
            Reached::Submitted => &[(IssueAction::Start, 5), (IssueAction::Submit, 60)],
            Reached::Closed => &[
                (IssueAction::Start, 5),
                (IssueAction::Submit, 60),
                (IssueAction::Close, 75),
            ],
            Reached::Reopened => &[
                (IssueAction::Start, 5),
                (IssueAction::Submit, 40),
                (IssueAction::Close, 50),
                (IssueAction::Reopen, 110),
            ],
        };
        for (action, days) in steps {
            let verifier = matches!(action, IssueAction::Close | IssueAction::Reopen);
            let actor: &Actor = if verifier { &inspector } else { &unit_actor };
            issue = issues::step(
                db,
                actor,
                StepInput {
                    issue_id: issue.id,
                    expected_version: issue.version,
                    action: *action,
                    on: Some((filed + Duration::days(*days)).min(today)),
                    note: match action {
                        IssueAction::Close => Some("经实地核查,整改到位,同意销号".into()),
                        IssueAction::Reopen => Some("回头看发现问题反弹".into()),
                        _ => None,
                    },
                    evidence: (*action == IssueAction::Submit).then(|| format!("已{measures},整改报告见附件")),
                    attachments: if *action == IssueAction::Submit {
                        vec![format!("整改报告-{}", n + 1)]
                    } else {
                        Vec::new()
                    },
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// A unit that keeps lists in the demo, and what it plans each month.
struct DemoList<'a> {
    kind: UnitKind,
    keeper: &'a Actor,
    department_id: Option<i64>,
    region: Option<&'static str>,
    leader: Option<&'static str>,
    items: [(&'static str, &'static str); 3],
}

/// The lists of the previous month (cleared) and this one (published, followed up).
async fn seed_lists(db: &DatabaseConnection, today: NaiveDate) -> ServiceResult<()> {
    let coordinator = demo_actor(db, "coordinator").await?;
    let township = demo_actor(db, "township").await?;
    let transport_department = department_named(db, "示范县交通运输局").await?;
    let transport = department_actor(db, &transport_department).await?;
    let this_month = Month::of(today);
    let last_month = Month::of(this_month.first_day() - Duration::days(1));
    let units = [
        DemoList {
            kind: UnitKind::Leader,
            keeper: &coordinator,
            department_id: None,
            region: None,
            leader: Some("县长 王明"),
            items: [
                ("督导城关镇饮水安全问题整改", "问题全部销号"),
                ("调度整合资金拨付进度", "支出进度达到80%"),
                ("走访贫困村", "走访5个贫困村"),
            ],
        },
        DemoList {
            kind: UnitKind::Department,
            keeper: &transport,
            department_id: Some(transport_department.id),
            region: None,
            leader: None,
            items: [
                ("推进通村公路项目开工", "新开工3个项目"),
                ("整改路基压实度问题", "完成返工"),
                ("报送月度进度", "按时报送"),
            ],
        },
        DemoList {
            kind: UnitKind::Township,
            keeper: &township,
            department_id: None,
            region: Some(FIRST_TOWNSHIP),
            leader: None,
            items: [
                ("推进资金公示", "每村公示到位"),
                ("入户走访", "走访100户"),
                ("整改项目库资料", "资料补正"),
            ],
        },
        DemoList {
            kind: UnitKind::Village,
            keeper: &township,
            department_id: None,
            region: Some("990101001001"),
            leader: None,
            items: [
                ("硬化村组道路", "完成1公里"),
                ("改造饮水管网", "通水"),
                ("发展集体经济", "合作社分红"),
            ],
        },
    ];
    for (month, clear) in [(last_month, true), (this_month, false)] {
        let published = month.first_day() + Duration::days(1);
        if published > today {
            continue;
        }
        for unit in &units {
            let actor = unit.keeper;
            let list = lists::create(
                db,
                actor,
                ListInput {
                    county_code: COUNTY.into(),
                    month: month.to_string(),
                    unit: UnitInput {
                        kind: unit.kind,
                        department_id: unit.department_id,
                        region_code: unit.region.map(str::to_string),
                        leader_name: unit.leader.map(str::to_string),
                    },
                    items: unit
                        .items
                        .iter()
                        .map(|(content, result)| ItemInput {
                            content: content.to_string(),
                            planned_result: result.to_string(),
                            project_id: None,
                            issue_id: None,
                        })
                        .collect(),
                },
            )
            .await?;
            let mut list = lists::publish(db, actor, list.id, list.version, Some(published)).await?;
            let items = lists::items_of(db, &[list.id])
                .await?
                .remove(&list.id)
                .unwrap_or_default();
            let mid = month.first_day() + Duration::days(14);
            if mid <= today {
                let follow_ups = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| FollowUp {
                        item_id: item.id,
                        note: if i == 2 {
                            "进度滞后,已督促".into()
                        } else {
                            "按计划推进".into()
                        },
                        on_track: i != 2,
                    })
                    .collect();
                list = lists::follow_up(db, actor, list.id, list.version, Some(mid), follow_ups).await?;
            }
            if clear {
                let clearings = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| Clearing {
                        item_id: item.id,
                        outcome: [Outcome::Done, Outcome::Done, Outcome::Partly][i % 3],
                        reason: (i % 3 == 2).then(|| "受天气影响,顺延至下月".to_string()),
                    })
                    .collect();
                lists::clear(
                    db,
                    actor,
                    list.id,
                    list.version,
                    Some(month.last_day().min(today)),
                    clearings,
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// The county's own scheme from the first of the year: the default's indicators, with
/// more weight on spending (支出进度) and the rectification.
async fn seed_scheme(db: &DatabaseConnection, today: NaiveDate) -> ServiceResult<()> {
    let coordinator = demo_actor(db, "coordinator").await?;
    let rule = |unit, indicator, weight: i64, deduction: Option<i64>| Rule {
        unit,
        indicator,
        weight: Decimal::from(weight),
        deduction_per_item: deduction.map(Decimal::from),
    };
    let rules = [AssessedUnit::Township, AssessedUnit::Department]
        .into_iter()
        .flat_map(|u| {
            [
                rule(u, Indicator::StartRate, 15, None),
                rule(u, Indicator::CompletionRate, 15, None),
                rule(u, Indicator::DisbursementRate, 30, None),
                rule(u, Indicator::RectificationClosingRate, 20, None),
                rule(u, Indicator::TaskListCompletion, 10, None),
                rule(u, Indicator::OverdueItems, 10, Some(1)),
            ]
        })
        .collect();
    assessment::set_scheme(
        db,
        &coordinator,
        assessment::SchemeInput {
            county_code: COUNTY.into(),
            effective_from: NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
            name: format!(
                "示范县{}年脱贫攻坚督查考核办法(示扶组〔{}〕3号)",
                today.year(),
                today.year()
            ),
            rules,
        },
    )
    .await?;
    Ok(())
}
