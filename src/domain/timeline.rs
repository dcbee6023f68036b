//! 时间线 — a project's history read by business date (DESIGN §8): its state on any day,
//! and its part in the construction figures from each day on.
//!
//! A step counts from the day it happened; steps of one day are ordered by recording. A
//! project's steps are entered in order (a step may not be dated before the previous one),
//! progress reports in any order: the latest report is the one with the latest day, then
//! the latest recorded.
use super::fault::Fault;
use super::lifecycle::{ProjectAction, ProjectStatus};
use super::metrics::ConstructionFigures;
use super::quantity::Quantity;
use super::sector::Sector;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// One lifecycle step as the figures read it (progress reports are [`Report`]s).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The day it happened.
    pub on: NaiveDate,
    /// The order of recording (the event's id; a step being recorded comes last).
    pub seq: i64,
    pub action: ProjectAction,
    pub status: ProjectStatus,
    /// For an assignment, the department assigned.
    pub department_id: Option<i64>,
    /// For a completion, the quantity built.
    pub quantity: Option<Quantity>,
}

/// One progress report: the cumulative quantity on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Report {
    pub on: NaiveDate,
    pub seq: i64,
    pub quantity: Quantity,
}

/// What a project was on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    pub status: ProjectStatus,
    /// The department holding it: the last assignment's, until a decline.
    pub department_id: Option<i64>,
    /// Built so far: the final quantity once completed, else the latest report's.
    pub completed: Quantity,
}

/// A project's lifecycle steps and progress reports.
#[derive(Clone, Debug, Default)]
pub struct History {
    steps: Vec<Step>,
    reports: Vec<Report>,
}

impl History {
    pub fn new(mut steps: Vec<Step>, mut reports: Vec<Report>) -> History {
        steps.retain(|s| s.action != ProjectAction::ReportProgress);
        steps.sort_by_key(|s| (s.on, s.seq));
        reports.sort_by_key(|r| (r.on, r.seq));
        History { steps, reports }
    }

    /// The day of the latest step, before which no new step may be dated.
    pub fn last_step_on(&self) -> Option<NaiveDate> {
        self.steps.last().map(|s| s.on)
    }

    /// The day of the latest step of `action`.
    pub fn last_step_of(&self, action: ProjectAction) -> Option<NaiveDate> {
        self.steps.iter().rev().find(|s| s.action == action).map(|s| s.on)
    }

    /// The latest progress report: of the latest day, the latest recorded (DESIGN §8).
    pub fn latest_report(&self) -> Option<Report> {
        self.reports.last().copied()
    }

    /// Adds a step being recorded now (after every step recorded before it).
    pub fn push_step(&mut self, mut step: Step) {
        if step.action == ProjectAction::ReportProgress {
            return;
        }
        step.seq = i64::MAX;
        self.steps.push(step);
        self.steps.sort_by_key(|s| (s.on, s.seq));
    }

    /// Adds a progress report being recorded now.
    pub fn push_report(&mut self, on: NaiveDate, quantity: Quantity) {
        self.reports.push(Report {
            on,
            seq: i64::MAX,
            quantity,
        });
        self.reports.sort_by_key(|r| (r.on, r.seq));
    }

    /// The steps, and of the reports only those a new report on `day` is judged against:
    /// the latest on or before `day` and the first after it. A report moves the figures
    /// only from its day until the next day with a report, and is back-dated exactly when
    /// some report lies after its day; so what a new report changes, and whether it is a
    /// correction, come out the same from the window as from every report (tested below).
    /// The write path reads just these rows: a project corrected a thousand times costs no
    /// more to report on than one reported once.
    pub fn report_window(&self, day: NaiveDate) -> History {
        let upto = self.reports.partition_point(|r| r.on <= day);
        let reports = self.reports[..upto]
            .last()
            .into_iter()
            .chain(self.reports.get(upto))
            .copied()
            .collect();
        History {
            steps: self.steps.clone(),
            reports,
        }
    }

    /// The project's state at the end of `day`; `None` before its first step.
    pub fn state_on(&self, day: NaiveDate) -> Option<State> {
        let upto = self.steps.partition_point(|s| s.on <= day);
        let steps = &self.steps[..upto];
        let last = steps.last()?;
        let mut department_id = None;
        for step in steps {
            match step.action {
                ProjectAction::Assign => department_id = step.department_id,
                ProjectAction::Decline => department_id = None,
                _ => {}
            }
        }
        let completion = super::metrics::counts_as_completed(last.status)
            .then(|| {
                steps
                    .iter()
                    .rev()
                    .find_map(|s| s.quantity.filter(|_| s.action == ProjectAction::Complete))
            })
            .flatten();
        let completed = completion.unwrap_or_else(|| {
            let upto = self.reports.partition_point(|r| r.on <= day);
            self.reports[..upto].last().map_or(Quantity::ZERO, |r| r.quantity)
        });
        Some(State {
            status: last.status,
            department_id,
            completed,
        })
    }

    /// The project's part in the construction figures of `sector` from each day on where it
    /// changes: (day, department holding it, its figures). Days on which nothing that
    /// counts changed are left out.
    pub fn parts(&self, sector: Sector) -> Vec<(NaiveDate, Part)> {
        let mut days: Vec<NaiveDate> = self
            .steps
            .iter()
            .map(|s| s.on)
            .chain(self.reports.iter().map(|r| r.on))
            .collect();
        days.sort_unstable();
        days.dedup();
        let mut parts: Vec<(NaiveDate, Part)> = Vec::new();
        for day in days {
            let part = self
                .state_on(day)
                .map(|state| Part::of(sector, state))
                .unwrap_or_default();
            let unchanged = parts.last().map_or(part == Part::default(), |(_, last)| *last == part);
            if !unchanged {
                parts.push((day, part));
            }
        }
        parts
    }
}

/// One project's part in its group's construction figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Part {
    pub department_id: Option<i64>,
    pub tally: Tally,
}

impl Part {
    fn of(sector: Sector, state: State) -> Part {
        let mut figures = ConstructionFigures::default();
        figures.add_project(sector, state.status, state.completed);
        let tally = Tally::of(&figures);
        Part {
            // Outside the programme a project is in no group.
            department_id: state.department_id.filter(|_| tally != Tally::default()),
            tally,
        }
    }
}

/// The counted construction figures of a group (or a change to them): what
/// [`ConstructionFigures::add_project`] adds up, without the plan's targets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub project_count: i64,
    pub started_count: i64,
    pub completed_count: i64,
    pub completed_quantity_milli: i64,
}

impl Tally {
    pub fn of(figures: &ConstructionFigures) -> Tally {
        Tally {
            project_count: figures.project_count,
            started_count: figures.started_count,
            completed_count: figures.completed_count,
            completed_quantity_milli: figures.completed_quantity.milli(),
        }
    }

    pub fn is_zero(&self) -> bool {
        *self == Tally::default()
    }

    pub fn add(&mut self, other: Tally, sign: i64) {
        self.project_count += sign * other.project_count;
        self.started_count += sign * other.started_count;
        self.completed_count += sign * other.completed_count;
        self.completed_quantity_milli += sign * other.completed_quantity_milli;
    }

    /// Adds the tally into a group's figures.
    pub fn add_to(&self, figures: &mut ConstructionFigures) {
        figures.project_count += self.project_count;
        figures.started_count += self.started_count;
        figures.completed_count += self.completed_count;
        figures.completed_quantity =
            Quantity::from_milli(figures.completed_quantity.milli() + self.completed_quantity_milli);
    }
}

/// The dated changes to the figures that turn a project's parts `before` into `after`
/// (either may be empty): per (day, department), what to add. Changes that cancel out are
/// left out.
pub fn changes(before: &[(NaiveDate, Part)], after: &[(NaiveDate, Part)]) -> BTreeMap<(NaiveDate, Option<i64>), Tally> {
    let mut out: BTreeMap<(NaiveDate, Option<i64>), Tally> = BTreeMap::new();
    for (parts, sign) in [(before, -1), (after, 1)] {
        let mut previous = Part::default();
        for (day, part) in parts {
            out.entry((*day, previous.department_id))
                .or_default()
                .add(previous.tally, -sign);
            out.entry((*day, part.department_id)).or_default().add(part.tally, sign);
            previous = *part;
        }
    }
    out.retain(|_, tally| !tally.is_zero());
    out
}

/// Checks the day a step is dated: not in the future, not before the project's previous
/// step.
pub fn check_step_date(date: NaiveDate, today: NaiveDate, previous: Option<NaiveDate>) -> Result<(), Fault> {
    super::calendar::check_not_future("date", date, today)?;
    if let Some(previous) = previous
        && date < previous
    {
        return Err(Fault::invalid(
            "date",
            format!(
                "{date} is before the project's previous step ({previous}); steps are recorded in the order they happened"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn step(on: NaiveDate, seq: i64, action: ProjectAction, status: ProjectStatus) -> Step {
        Step {
            on,
            seq,
            action,
            status,
            department_id: None,
            quantity: None,
        }
    }

    /// The road: entered in December, it was under way from June and finished in
    /// November — and reads so on each day.
    fn road() -> History {
        use ProjectAction as A;
        use ProjectStatus as S;
        let mut assign = step(day(3, 1), 4, A::Assign, S::Assigned);
        assign.department_id = Some(7);
        let mut complete = step(day(11, 15), 8, A::Complete, S::Completed);
        complete.quantity = Some(Quantity::from_milli(12_000));
        History::new(
            vec![
                step(day(1, 5), 1, A::Create, S::Draft),
                step(day(1, 10), 2, A::Submit, S::Submitted),
                step(day(2, 1), 3, A::Approve, S::Approved),
                assign,
                step(day(3, 2), 5, A::Claim, S::Claimed),
                step(day(6, 8), 6, A::StartConstruction, S::UnderConstruction),
                complete,
            ],
            vec![
                Report {
                    on: day(9, 30),
                    seq: 20,
                    quantity: Quantity::from_milli(9_000),
                },
                Report {
                    on: day(7, 31),
                    seq: 10,
                    quantity: Quantity::from_milli(4_000),
                },
            ],
        )
    }

    #[test]
    fn the_state_on_a_day_follows_business_dates() {
        let road = road();
        assert_eq!(road.state_on(day(1, 4)), None);
        assert_eq!(road.state_on(day(2, 28)).unwrap().status, ProjectStatus::Approved);
        assert_eq!(road.state_on(day(2, 28)).unwrap().department_id, None);
        let august = road.state_on(day(8, 31)).unwrap();
        assert_eq!(august.status, ProjectStatus::UnderConstruction);
        assert_eq!(august.department_id, Some(7));
        assert_eq!(august.completed, Quantity::from_milli(4_000));
        assert_eq!(
            road.state_on(day(10, 31)).unwrap().completed,
            Quantity::from_milli(9_000)
        );
        let december = road.state_on(day(12, 2)).unwrap();
        assert_eq!(december.status, ProjectStatus::Completed);
        assert_eq!(december.completed, Quantity::from_milli(12_000));
    }

    /// The parts sum, day by day, to the project's own figures; their changes, applied in
    /// any order of recording, give the same sums.
    #[test]
    fn changes_rebuild_each_day_figures() {
        let road = road();
        let parts = road.parts(Sector::Road);
        let all = changes(&[], &parts);
        for d in [
            day(1, 31),
            day(2, 1),
            day(3, 1),
            day(6, 8),
            day(8, 1),
            day(9, 30),
            day(11, 15),
            day(12, 31),
        ] {
            let mut sum = Tally::default();
            for ((on, _), tally) in &all {
                if *on <= d {
                    sum.add(*tally, 1);
                }
            }
            let mut expected = ConstructionFigures::default();
            if let Some(state) = road.state_on(d) {
                expected.add_project(Sector::Road, state.status, state.completed);
            }
            assert_eq!(sum, Tally::of(&expected), "on {d}");
        }
        // Recorded without the July report, then with it: the change is the July report's
        // 4 km from 31 July until the September report replaces it.
        let mut without = road.clone();
        without.reports.retain(|r| r.on != day(7, 31));
        let delta = changes(&without.parts(Sector::Road), &parts);
        let km: Vec<(NaiveDate, i64)> = delta
            .iter()
            .map(|((on, _), t)| (*on, t.completed_quantity_milli))
            .collect();
        assert_eq!(km, vec![(day(7, 31), 4_000), (day(9, 30), -4_000)]);
    }

    /// A new report's changes and its latest report before it, from the report window,
    /// equal those from the whole history — for every day and quantity on random histories.
    #[test]
    fn a_new_report_is_judged_the_same_from_its_window() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let strategy = (
            proptest::collection::vec((0u32..40, 0i64..6), 0..12),
            0u32..45,
            0i64..6,
            any::<bool>(),
        );
        let mut runner = TestRunner::new(Config::with_cases(500));
        runner
            .run(&strategy, |(reports, new_day, new_quantity, completed)| {
                let mut full = road();
                full.reports = reports
                    .iter()
                    .enumerate()
                    .map(|(i, (d, q))| Report {
                        on: day(6, 10) + chrono::Days::new(u64::from(*d)),
                        seq: 100 + i as i64,
                        quantity: Quantity::from_milli(q * 1_000),
                    })
                    .collect();
                full.reports.sort_by_key(|r| (r.on, r.seq));
                if !completed {
                    full.steps.retain(|s| s.action != ProjectAction::Complete);
                }
                let on = day(6, 10) + chrono::Days::new(u64::from(new_day));
                let q = Quantity::from_milli(new_quantity * 1_000);
                let window = full.report_window(on);
                let judged = |before: &History| {
                    let mut after = before.clone();
                    after.push_report(on, q);
                    let last = before.latest_report().map(|r| (r.on > on, (r.on <= on).then_some(r)));
                    (changes(&before.parts(Sector::Road), &after.parts(Sector::Road)), last)
                };
                prop_assert_eq!(judged(&window), judged(&full));
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn a_step_may_not_go_back_in_time() {
        assert!(check_step_date(day(6, 1), day(12, 2), Some(day(6, 8))).is_err());
        assert!(check_step_date(day(12, 3), day(12, 2), None).is_err());
        assert!(check_step_date(day(6, 8), day(12, 2), Some(day(6, 8))).is_ok());
    }
}
