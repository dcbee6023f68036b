//! 贫困村退出标准 — the standards a poverty village must meet to exit, the register of what
//! each village meets (达标登记台账) read as of any day, and the gaps handed out to be
//! closed (缺项清单).
//!
//! A county keeps its own standard, versioned by the day each version takes effect; a
//! county without one judges by [`default_indicators`]. An indicator is judged by hand
//! (met or not), or by a measured value against a threshold (贫困发生率 below 3 %).
use super::fault::{ErrorCode, Fault};
use super::sector::Sector;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// How an indicator is judged.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "ExitIndicatorKind")]
pub enum IndicatorKind {
    /// 达标/不达标, judged by hand with its evidence.
    Judged,
    /// A measured value against the threshold.
    Measured,
}

text_enum!(IndicatorKind {
    Judged => "JUDGED",
    Measured => "MEASURED",
});

/// Whom an indicator judges.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "ExitIndicatorLevel")]
pub enum Level {
    /// 贫困村 — each poverty village.
    Village,
    /// 县 — the county itself (综合贫困发生率, 群众认可度).
    County,
}

text_enum!(Level {
    Village => "VILLAGE",
    County => "COUNTY",
});

/// How a measured value meets its threshold.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "ExitComparator")]
pub enum Comparator {
    /// Below the threshold (贫困发生率 < 3 %).
    Below,
    /// At least the threshold (集体经济收入 ≥ 2 万元).
    AtLeast,
}

text_enum!(Comparator {
    Below => "BELOW",
    AtLeast => "AT_LEAST",
});

impl Comparator {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Below => "<",
            Comparator::AtLeast => "≥",
        }
    }

    pub fn holds(self, value: Decimal, threshold: Decimal) -> bool {
        match self {
            Comparator::Below => value < threshold,
            Comparator::AtLeast => value >= threshold,
        }
    }
}

/// A village's state on one indicator.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "ExitState")]
pub enum State {
    /// 达标.
    Met,
    /// 缺项 — not met: a gap to close.
    Gap,
    /// 不涉及 — does not apply to the village.
    NotApplicable,
}

text_enum!(State {
    Met => "MET",
    Gap => "GAP",
    NotApplicable => "NOT_APPLICABLE",
});

impl State {
    pub fn chinese_name(self) -> &'static str {
        match self {
            State::Met => "达标",
            State::Gap => "缺项",
            State::NotApplicable => "不涉及",
        }
    }

    /// Whether it stands in the way of the village's exit: a gap, or no judgement yet.
    pub fn blocks_exit(state: Option<State>) -> bool {
        !matches!(state, Some(State::Met | State::NotApplicable))
    }
}

/// One indicator of a standard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Indicator {
    /// A short code, unique in the standard (ROAD, WATER, …).
    pub code: String,
    /// 指标 — as the standard writes it.
    pub name: String,
    /// Whom it judges: each poverty village, or the county itself.
    pub level: Level,
    /// The sector whose projects close a gap on it.
    pub sector: Option<Sector>,
    pub kind: IndicatorKind,
    /// For a measured indicator: the comparator, threshold and unit.
    pub comparator: Option<Comparator>,
    pub threshold: Option<Decimal>,
    pub unit: Option<String>,
    /// 依据 — the document that sets it.
    pub source: String,
}

impl Indicator {
    /// The state a measured value gives.
    pub fn judge(&self, value: Decimal) -> Option<State> {
        let (comparator, threshold) = (self.comparator?, self.threshold?);
        Some(if comparator.holds(value, threshold) {
            State::Met
        } else {
            State::Gap
        })
    }

    /// The standard in words: "贫困发生率 < 3 %".
    pub fn criterion(&self) -> String {
        match (self.comparator, self.threshold) {
            (Some(c), Some(t)) => format!(
                "{} {} {}{}",
                self.name,
                c.symbol(),
                t.normalize(),
                self.unit.as_deref().unwrap_or("")
            ),
            _ => self.name.clone(),
        }
    }
}

const NATIONAL_SOURCE: &str = "中办发〔2016〕16号《关于建立贫困退出机制的意见》";
const PROVINCE_SOURCE: &str = "《陕西省贫困退出工作实施细则》(2017)";
const CHECK_SOURCE: &str = "贫困县退出专项评估检查(三率一度)";

/// The usual standard, which a county without its own judges by: ten indicators for each
/// poverty village and two for the county itself.
pub fn default_indicators() -> Vec<Indicator> {
    let judged = |code: &str, name: &str, sector: Option<Sector>, source: &str| Indicator {
        code: code.into(),
        name: name.into(),
        level: Level::Village,
        sector,
        kind: IndicatorKind::Judged,
        comparator: None,
        threshold: None,
        unit: None,
        source: source.into(),
    };
    let measured = |code: &str, name: &str, comparator, threshold: Decimal, unit: &str, source: &str| Indicator {
        code: code.into(),
        name: name.into(),
        level: Level::Village,
        sector: None,
        kind: IndicatorKind::Measured,
        comparator: Some(comparator),
        threshold: Some(threshold),
        unit: Some(unit.into()),
        source: source.into(),
    };
    vec![
        judged("ROAD", "通硬化路", Some(Sector::Road), PROVINCE_SOURCE),
        judged("WATER", "安全饮水", Some(Sector::DrinkingWater), PROVINCE_SOURCE),
        judged(
            "CLINIC",
            "标准化村卫生室和合格村医",
            Some(Sector::Clinic),
            PROVINCE_SOURCE,
        ),
        judged(
            "POWER",
            "稳定供电(电力入户率100%)",
            Some(Sector::PowerGrid),
            PROVINCE_SOURCE,
        ),
        judged("TELECOM", "通宽带或4G网络", Some(Sector::Telecom), PROVINCE_SOURCE),
        judged("EDUCATION", "义务教育有保障", Some(Sector::Education), NATIONAL_SOURCE),
        judged(
            "INDUSTRY",
            "有主导产业或合作组织",
            Some(Sector::Industry),
            PROVINCE_SOURCE,
        ),
        judged("HOUSING", "住房安全有保障", Some(Sector::Housing), NATIONAL_SOURCE),
        measured(
            "POVERTY_INCIDENCE",
            "贫困发生率",
            Comparator::Below,
            Decimal::from(3),
            "%",
            NATIONAL_SOURCE,
        ),
        measured(
            "COLLECTIVE_INCOME",
            "村集体经济收入",
            Comparator::AtLeast,
            Decimal::from(2),
            "万元",
            PROVINCE_SOURCE,
        ),
        Indicator {
            level: Level::County,
            ..measured(
                "COUNTY_POVERTY_INCIDENCE",
                "综合贫困发生率",
                Comparator::Below,
                Decimal::from(3),
                "%",
                NATIONAL_SOURCE,
            )
        },
        Indicator {
            level: Level::County,
            ..measured(
                "RECOGNITION",
                "群众认可度",
                Comparator::AtLeast,
                Decimal::from(90),
                "%",
                CHECK_SOURCE,
            )
        },
    ]
}

/// Checks a standard's indicators: codes unique and short, names and sources given, a
/// measured indicator with its comparator and threshold and a judged one without. Faults
/// name `input.indicators.N.<field>`.
pub fn check_indicators(indicators: &[Indicator]) -> Result<(), Fault> {
    if indicators.is_empty() || indicators.len() > 50 {
        return Err(Fault::invalid(
            "indicators",
            "give the standard's indicators, at most 50",
        ));
    }
    for (i, ind) in indicators.iter().enumerate() {
        let at = |field: &str, message: String| {
            Fault::new(
                ErrorCode::InvalidInput,
                &["input", "indicators", &i.to_string(), field],
                message,
            )
        };
        let code_ok = !ind.code.is_empty()
            && ind.code.len() <= 32
            && ind
                .code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !code_ok {
            return Err(at(
                "code",
                format!("a code is 1–32 capitals, digits or _, not `{}`", ind.code),
            ));
        }
        if indicators[..i].iter().any(|o| o.code == ind.code) {
            return Err(at("code", format!("{} is given twice", ind.code)));
        }
        if ind.name.trim().is_empty() || ind.name.chars().count() > 100 {
            return Err(at("name", "a name is 1–100 characters".into()));
        }
        if ind.source.trim().is_empty() || ind.source.chars().count() > 200 {
            return Err(at(
                "source",
                "give the document that sets it (依据), at most 200 characters".into(),
            ));
        }
        if ind.unit.as_ref().is_some_and(|u| u.chars().count() > 16) {
            return Err(at("unit", "a unit is at most 16 characters".into()));
        }
        match (ind.kind, ind.comparator, ind.threshold) {
            (IndicatorKind::Measured, Some(_), Some(t)) if t.scale() <= 4 => {}
            (IndicatorKind::Measured, _, _) => {
                return Err(at(
                    "threshold",
                    "a measured indicator needs its comparator and threshold (at most 4 decimals)".into(),
                ));
            }
            (IndicatorKind::Judged, None, None) => {}
            (IndicatorKind::Judged, _, _) => {
                return Err(at(
                    "threshold",
                    "a judged indicator has no comparator or threshold".into(),
                ));
            }
        }
    }
    Ok(())
}

/// 贫困发生率 — the registered poor people still in poverty of the registered population,
/// in percent (2 decimals, half up); `None` without a population.
pub fn poverty_incidence(remaining_poor_people: i64, population: i64) -> Option<Decimal> {
    super::metrics::rate(remaining_poor_people, population)
}

/// One judgement of a village on an indicator, as the register keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Judgement {
    pub on: NaiveDate,
    /// The order of recording.
    pub seq: i64,
    pub state: State,
}

/// The state on `day`: the last judgement dated on or before it (of one day, the last
/// recorded).
pub fn state_on(judgements: &[Judgement], day: NaiveDate) -> Option<State> {
    judgements
        .iter()
        .filter(|j| j.on <= day)
        .max_by_key(|j| (j.on, j.seq))
        .map(|j| j.state)
}

/// Whether a village meets the standard: every indicator MET or NOT_APPLICABLE.
pub fn ready(states: &[Option<State>]) -> bool {
    !states.is_empty() && states.iter().all(|s| !State::blocks_exit(*s))
}

/// Where a gap of the gap list stands.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "ExitGapStatus")]
pub enum GapStatus {
    /// 待交办 — found, not yet handed out.
    Open,
    /// 已交办 — assigned to a department with a deadline.
    Assigned,
    /// 已认领 — the department has taken it.
    Claimed,
    /// 已销号 — the indicator is met.
    Closed,
}

text_enum!(GapStatus {
    Open => "OPEN",
    Assigned => "ASSIGNED",
    Claimed => "CLAIMED",
    Closed => "CLOSED",
});

/// 逾期 — a gap not closed after its deadline (the same rule as every overdue kind).
pub fn gap_days_overdue(status: GapStatus, deadline: Option<NaiveDate>, as_of: NaiveDate) -> Option<i64> {
    (status != GapStatus::Closed)
        .then_some(deadline)
        .flatten()
        .and_then(|d| super::alerts::days_past(d, as_of))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_measured_value_is_judged_by_its_threshold() {
        let set = default_indicators();
        assert_eq!(set.iter().filter(|i| i.level == Level::Village).count(), 10);
        let incidence = set.iter().find(|i| i.code == "POVERTY_INCIDENCE").unwrap();
        assert_eq!(incidence.judge(Decimal::new(299, 2)), Some(State::Met));
        assert_eq!(incidence.judge(Decimal::from(3)), Some(State::Gap));
        assert_eq!(incidence.criterion(), "贫困发生率 < 3%");
        let income = set.iter().find(|i| i.code == "COLLECTIVE_INCOME").unwrap();
        assert_eq!(income.judge(Decimal::from(2)), Some(State::Met));
        assert_eq!(set[0].judge(Decimal::ONE), None);
        assert_eq!(poverty_incidence(3, 100), Some(Decimal::new(300, 2)));
    }

    #[test]
    fn the_default_standard_is_valid_and_bad_ones_name_the_indicator() {
        assert!(check_indicators(&default_indicators()).is_ok());
        let mut set = default_indicators();
        set[1].code = "ROAD".into();
        assert_eq!(
            check_indicators(&set).unwrap_err().field,
            ["input", "indicators", "1", "code"]
        );
        let mut set = default_indicators();
        set[8].threshold = None;
        assert_eq!(
            check_indicators(&set).unwrap_err().field,
            ["input", "indicators", "8", "threshold"]
        );
    }

    #[test]
    fn the_register_reads_the_last_judgement_by_the_day_and_a_village_is_ready_when_nothing_blocks() {
        let history = [
            Judgement {
                on: d("2026-03-01"),
                seq: 1,
                state: State::Gap,
            },
            Judgement {
                on: d("2026-06-01"),
                seq: 3,
                state: State::Met,
            },
            Judgement {
                on: d("2026-06-01"),
                seq: 2,
                state: State::Gap,
            },
        ];
        assert_eq!(state_on(&history, d("2026-02-28")), None);
        assert_eq!(state_on(&history, d("2026-05-31")), Some(State::Gap));
        assert_eq!(state_on(&history, d("2026-06-01")), Some(State::Met));
        assert!(ready(&[Some(State::Met), Some(State::NotApplicable)]));
        assert!(!ready(&[Some(State::Met), None]));
        assert!(!ready(&[Some(State::Met), Some(State::Gap)]));
    }

    #[test]
    fn a_gap_is_overdue_after_its_deadline_until_closed() {
        assert_eq!(
            gap_days_overdue(GapStatus::Claimed, Some(d("2026-06-30")), d("2026-06-30")),
            None
        );
        assert_eq!(
            gap_days_overdue(GapStatus::Claimed, Some(d("2026-06-30")), d("2026-07-02")),
            Some(2)
        );
        assert_eq!(
            gap_days_overdue(GapStatus::Closed, Some(d("2026-06-30")), d("2026-07-02")),
            None
        );
        assert_eq!(gap_days_overdue(GapStatus::Open, None, d("2026-07-02")), None);
    }
}
