//! 工作报告 — the project paragraph of the county work report (DESIGN §1, §6.3), written
//! from the figures in the report's own style: amounts in 万元 with 2 decimals, rates with
//! their %, sectors with nothing planned left out.
use super::metrics::{ConstructionFigures, MoneyFigures};
use super::money::Money;
use super::quantity::Quantity;
use super::sector::Sector;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// What the paragraph is written from.
#[derive(Clone, Debug, Default)]
pub struct ReportFigures {
    /// 整合涉农资金
    pub integrated: MoneyFigures,
    /// 县本级配套资金
    pub county_matching: MoneyFigures,
    /// 政策性金融贷款
    pub policy_loan: MoneyFigures,
    /// All sectors together.
    pub programme: ConstructionFigures,
    /// Per sector, in the order of `Sector::ALL`.
    pub sectors: Vec<(Sector, ConstructionFigures)>,
    /// The day the figures stand at the end of (截止M月底, or 截止M月D日 within a month).
    pub as_of: NaiveDate,
}

/// An amount in 万元 with 2 decimals, rounded half up on exact integers.
pub fn wan_yuan(money: Money) -> String {
    // 1 万元 = 10,000 yuan = 1,000,000 fen; two decimals of 万元 are units of 10,000 fen.
    let fen = i128::from(money.fen());
    let negative = fen < 0;
    let units = (fen.abs() + 5_000) / 10_000;
    let text = format!("{}.{:02}", units / 100, units % 100);
    if negative && units != 0 {
        format!("-{text}")
    } else {
        text
    }
}

/// `,{label}{rate}%` — or nothing when the rate is unknown: a clause whose figure is
/// missing is left out rather than printed with a placeholder.
fn rate_clause(separator: &str, label: &str, rate: Option<Decimal>) -> String {
    rate.map_or_else(String::new, |r| format!("{separator}{label}{r}%"))
}

fn quantity(q: Quantity) -> String {
    q.to_decimal().to_string()
}

/// The plan's target, when it sets one above 0.
fn target_of(f: &ConstructionFigures) -> Option<Quantity> {
    f.target_quantity.filter(|t| t.milli() > 0)
}

/// One sector's sentence, or `None` when the sector has nothing planned.
fn sector_sentence(sector: Sector, f: &ConstructionFigures) -> Option<String> {
    let target = target_of(f);
    if target.is_none() && f.project_count == 0 {
        return None;
    }
    let unit = sector.unit();
    // 计划建设X公里, — only where the plan sets a target.
    let planned = |verb: &str| target.map_or_else(String::new, |t| format!("{verb}{}{unit},", quantity(t)));
    let done = quantity(f.completed_quantity);
    let rate = |label: &str| rate_clause(",", label, f.quantity_rate());
    let all_done = f.project_count > 0 && f.completed_count == f.project_count;
    Some(match sector {
        Sector::Road => format!("道路{}完工{done}公里{}", planned("计划建设"), rate("完成率")),
        Sector::DrinkingWater => format!("人饮工程{}竣工{done}处{}", planned("计划建设"), rate("竣工率")),
        Sector::Clinic => format!("标准化卫生室{}竣工{done}个", planned("计划建设")),
        Sector::PowerGrid => {
            // 计划N条 is the plan's count of lines; without a plan, the projects under way.
            let lines = f.target_project_count.filter(|n| *n > 0).map(|n| format!("{n}条"));
            let length = target.map(|t| format!("{}公里", quantity(t)));
            let plan: String = lines.into_iter().chain(length).collect();
            let opening = if plan.is_empty() {
                format!("农网改造项目{}个", f.project_count)
            } else {
                format!("农网改造计划{plan}")
            };
            format!("{opening}{}", rate("完工率"))
        }
        Sector::Education if all_done => format!("{}个教育基础设施项目主体全部完工", f.project_count),
        Sector::Education => format!("{}个教育基础设施项目,主体完工{}个", f.project_count, f.completed_count),
        Sector::Telecom if all_done => format!("{}个通讯网络项目已全部竣工投运", f.project_count),
        Sector::Telecom => format!("{}个通讯网络项目,已竣工投运{}个", f.project_count, f.completed_count),
        Sector::Industry => format!("产业项目计划实施{}个,竣工{}个", f.project_count, f.completed_count),
        Sector::Housing => format!("危房改造和易地搬迁{}完成{done}户{}", planned("计划"), rate("完成率")),
        Sector::Other => format!("其他项目{}个,竣工{}个", f.project_count, f.completed_count),
    })
}

/// 截止9月底 on a month's last day, 截止11月15日 on any other.
pub fn as_of_phrase(day: NaiveDate) -> String {
    let month_end = day.succ_opt().is_none_or(|next| next.month() != day.month());
    if month_end {
        format!("截止{}月底", day.month())
    } else {
        format!("截止{}月{}日", day.month(), day.day())
    }
}

/// The paragraph.
pub fn narrative(figures: &ReportFigures) -> String {
    let money = |label: &str, m: &MoneyFigures| {
        format!(
            "{label}{}万元{}",
            wan_yuan(m.in_place.unwrap_or(Money::ZERO)),
            rate_clause("、", "占年计划", m.arrival_rate())
        )
    };
    let mut text = format!(
        "{},{},{},规划实施扶贫项目{}个{}。",
        money("整合涉农资金", &figures.integrated),
        money("落实县本级配套资金", &figures.county_matching),
        money("争取到位政策性金融贷款资金", &figures.policy_loan),
        figures.programme.project_count,
        rate_clause(",", "开工率", figures.programme.start_rate()),
    );
    let sentences: Vec<String> = figures
        .sectors
        .iter()
        .filter_map(|(s, f)| sector_sentence(*s, f))
        .collect();
    if !sentences.is_empty() {
        text.push_str(&format!("{},{}。", as_of_phrase(figures.as_of), sentences.join(";")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wan_yuan_has_two_decimals_rounded_half_up() {
        assert_eq!(wan_yuan(Money::from_fen(12_345_678)), "12.35");
        assert_eq!(wan_yuan(Money::from_fen(12_344_999)), "12.34");
        assert_eq!(wan_yuan(Money::from_fen(1_234_560_000)), "1234.56");
        assert_eq!(wan_yuan(Money::ZERO), "0.00");
    }

    #[test]
    fn the_paragraph_reads_like_the_report() {
        let q = |milli| Some(Quantity::from_milli(milli));
        let road = ConstructionFigures {
            target_quantity: q(45_500),
            completed_quantity: Quantity::from_milli(45_500),
            project_count: 4,
            started_count: 4,
            completed_count: 4,
            ..Default::default()
        };
        let telecom = ConstructionFigures {
            target_quantity: q(3_000),
            project_count: 3,
            started_count: 3,
            completed_count: 3,
            completed_quantity: Quantity::from_milli(3_000),
            ..Default::default()
        };
        let figures = ReportFigures {
            integrated: MoneyFigures {
                planned: Some(Money::from_fen(100_000_000)),
                in_place: Some(Money::from_fen(87_345_000)),
                ..Default::default()
            },
            county_matching: MoneyFigures {
                planned: Some(Money::from_fen(30_000_000)),
                in_place: Some(Money::from_fen(30_000_000)),
                ..Default::default()
            },
            policy_loan: MoneyFigures {
                planned: Some(Money::ZERO),
                in_place: Some(Money::ZERO),
                ..Default::default()
            },
            programme: ConstructionFigures {
                project_count: 8,
                started_count: 7,
                ..Default::default()
            },
            sectors: vec![
                (Sector::Road, road),
                (Sector::Clinic, ConstructionFigures::default()),
                (Sector::Telecom, telecom),
            ],
            as_of: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
        };
        assert_eq!(
            narrative(&figures),
            "整合涉农资金87.35万元、占年计划87.35%,落实县本级配套资金30.00万元、占年计划100.00%,争取到位政策性金融贷款资金0.00万元,规划实施扶贫项目8个,开工率87.50%。截止9月底,道路计划建设45.5公里,完工45.5公里,完成率100.00%;3个通讯网络项目已全部竣工投运。"
        );
    }

    #[test]
    fn the_day_is_named_as_the_report_names_it() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(as_of_phrase(day(9, 30)), "截止9月底");
        assert_eq!(as_of_phrase(day(12, 3)), "截止12月3日");
        assert_eq!(as_of_phrase(day(2, 28)), "截止2月底");
        assert_eq!(as_of_phrase(day(12, 31)), "截止12月底");
    }

    /// No placeholder inside a sentence: a missing figure's clause is worded without it;
    /// power lines are counted from the plan.
    #[test]
    fn missing_figures_leave_their_clause_out() {
        let q = Quantity::from_milli;
        let no_plan = MoneyFigures {
            planned: Some(Money::ZERO),
            in_place: Some(Money::from_fen(1_000_000)),
            ..Default::default()
        };
        let road_without_target = ConstructionFigures {
            completed_quantity: q(2_500),
            project_count: 2,
            started_count: 1,
            ..Default::default()
        };
        let grid = ConstructionFigures {
            target_quantity: Some(q(40_000)),
            target_project_count: Some(6),
            completed_quantity: q(10_000),
            project_count: 4,
            ..Default::default()
        };
        let figures = ReportFigures {
            integrated: no_plan,
            county_matching: no_plan,
            policy_loan: no_plan,
            programme: ConstructionFigures::default(),
            sectors: vec![(Sector::Road, road_without_target), (Sector::PowerGrid, grid)],
            as_of: NaiveDate::from_ymd_opt(2026, 11, 15).unwrap(),
        };
        let text = narrative(&figures);
        assert!(!text.contains('—'), "{text}");
        assert_eq!(
            text,
            "整合涉农资金1.00万元,落实县本级配套资金1.00万元,争取到位政策性金融贷款资金1.00万元,规划实施扶贫项目0个。截止11月15日,道路完工2.5公里;农网改造计划6条40公里,完工率25.00%。"
        );
    }
}
