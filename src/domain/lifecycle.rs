//! 项目生命周期 — the project state machine of DESIGN §3, as one table. The permission
//! checks, the user errors, the API's allowed actions and the README's lifecycle table
//! are all read from [`TRANSITIONS`].
use super::access::{Actor, Role};
use super::fault::{ErrorCode, Fault};

/// 项目状态 — where a project stands.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProjectStatus {
    /// 草稿 — being drafted by the township.
    Draft,
    /// 已申报 — submitted by the township (镇村申报).
    Submitted,
    /// 未通过 — rejected by the county.
    Rejected,
    /// 已纳入计划 — approved into the annual plan (县级统筹).
    Approved,
    /// 已交办 — handed to a department (清单交办).
    Assigned,
    /// 已认领 — claimed by the department (部门认领).
    Claimed,
    /// 前期工作 — preliminary work: 立项、审批、设计、招标.
    Preparing,
    /// 在建 — under construction (开工).
    UnderConstruction,
    /// 已竣工 — completed (竣工), awaiting acceptance.
    Completed,
    /// 已验收 — accepted (验收).
    Accepted,
    /// 已取消 — cancelled.
    Cancelled,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 11] = [
        ProjectStatus::Draft,
        ProjectStatus::Submitted,
        ProjectStatus::Rejected,
        ProjectStatus::Approved,
        ProjectStatus::Assigned,
        ProjectStatus::Claimed,
        ProjectStatus::Preparing,
        ProjectStatus::UnderConstruction,
        ProjectStatus::Completed,
        ProjectStatus::Accepted,
        ProjectStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Draft => "DRAFT",
            ProjectStatus::Submitted => "SUBMITTED",
            ProjectStatus::Rejected => "REJECTED",
            ProjectStatus::Approved => "APPROVED",
            ProjectStatus::Assigned => "ASSIGNED",
            ProjectStatus::Claimed => "CLAIMED",
            ProjectStatus::Preparing => "PREPARING",
            ProjectStatus::UnderConstruction => "UNDER_CONSTRUCTION",
            ProjectStatus::Completed => "COMPLETED",
            ProjectStatus::Accepted => "ACCEPTED",
            ProjectStatus::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<ProjectStatus> {
        ProjectStatus::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// The status as a clerk names it (spreadsheets, reports).
    pub fn chinese_name(self) -> &'static str {
        match self {
            ProjectStatus::Draft => "草稿",
            ProjectStatus::Submitted => "已申报",
            ProjectStatus::Rejected => "未通过",
            ProjectStatus::Approved => "已纳入计划",
            ProjectStatus::Assigned => "已交办",
            ProjectStatus::Claimed => "已认领",
            ProjectStatus::Preparing => "前期工作",
            ProjectStatus::UnderConstruction => "在建",
            ProjectStatus::Completed => "已竣工",
            ProjectStatus::Accepted => "已验收",
            ProjectStatus::Cancelled => "已取消",
        }
    }

    /// Whether a department holds the project (and so may see it): from assignment on.
    pub fn is_with_department(self) -> bool {
        matches!(
            self,
            ProjectStatus::Assigned
                | ProjectStatus::Claimed
                | ProjectStatus::Preparing
                | ProjectStatus::UnderConstruction
                | ProjectStatus::Completed
                | ProjectStatus::Accepted
        )
    }
}

/// 操作 — what can be done to a project; one mutation each.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProjectAction {
    /// 新建 — a township drafts a project.
    Create,
    /// 修改草稿 — the township edits its draft.
    Update,
    /// 镇村申报 — submit the application.
    Submit,
    /// 退回 — return the application to the township for changes.
    Return,
    /// 否决 — reject the application.
    Reject,
    /// 县级统筹 — approve into the annual plan.
    Approve,
    /// 清单交办 — assign to a department with a deadline.
    Assign,
    /// 部门认领 — the department claims the task.
    Claim,
    /// 拒领 — the department declines the task.
    Decline,
    /// 前期工作 — record a preliminary-work milestone (立项、审批、设计、招标).
    RecordPreparation,
    /// 开工 — start construction.
    StartConstruction,
    /// 进度填报 — report construction progress.
    ReportProgress,
    /// 竣工 — complete construction.
    Complete,
    /// 验收 — accept the completed work.
    Accept,
    /// 验收不合格 — fail acceptance; construction resumes.
    FailAcceptance,
    /// 取消 — cancel the project.
    Cancel,
}

impl ProjectAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectAction::Create => "CREATE",
            ProjectAction::Update => "UPDATE",
            ProjectAction::Submit => "SUBMIT",
            ProjectAction::Return => "RETURN",
            ProjectAction::Reject => "REJECT",
            ProjectAction::Approve => "APPROVE",
            ProjectAction::Assign => "ASSIGN",
            ProjectAction::Claim => "CLAIM",
            ProjectAction::Decline => "DECLINE",
            ProjectAction::RecordPreparation => "RECORD_PREPARATION",
            ProjectAction::StartConstruction => "START_CONSTRUCTION",
            ProjectAction::ReportProgress => "REPORT_PROGRESS",
            ProjectAction::Complete => "COMPLETE",
            ProjectAction::Accept => "ACCEPT",
            ProjectAction::FailAcceptance => "FAIL_ACCEPTANCE",
            ProjectAction::Cancel => "CANCEL",
        }
    }

    /// The verb as a clerk reads it in a message.
    pub fn verb(self) -> &'static str {
        match self {
            ProjectAction::Create => "create",
            ProjectAction::Update => "edit",
            ProjectAction::Submit => "submit",
            ProjectAction::Return => "return",
            ProjectAction::Reject => "reject",
            ProjectAction::Approve => "approve",
            ProjectAction::Assign => "assign",
            ProjectAction::Claim => "claim",
            ProjectAction::Decline => "decline",
            ProjectAction::RecordPreparation => "record preliminary work",
            ProjectAction::StartConstruction => "start construction",
            ProjectAction::ReportProgress => "report progress",
            ProjectAction::Complete => "complete",
            ProjectAction::Accept => "accept",
            ProjectAction::FailAcceptance => "fail acceptance",
            ProjectAction::Cancel => "cancel",
        }
    }

    pub fn parse(s: &str) -> Option<ProjectAction> {
        TRANSITIONS
            .iter()
            .map(|t| t.action)
            .chain([ProjectAction::Create])
            .find(|a| a.as_str() == s)
    }
}

/// Who may take a transition.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Who {
    /// Any user of this role whose scope holds the project.
    Role(Role),
    /// A DEPARTMENT user of the department the project is assigned to.
    AssignedDepartment,
}

impl Who {
    pub fn describe(self) -> &'static str {
        match self {
            Who::Role(Role::Township) => "the township (TOWNSHIP)",
            Who::Role(Role::Coordinator) => "the county coordinator (COORDINATOR)",
            Who::Role(_) => "another role",
            Who::AssignedDepartment => "the department it is assigned to (DEPARTMENT)",
        }
    }

    fn admits(self, actor: &Actor, project_department: Option<i64>) -> bool {
        match self {
            Who::Role(role) => actor.role == role,
            Who::AssignedDepartment => {
                actor.role == Role::Department
                    && actor.department_id.is_some()
                    && actor.department_id == project_department
            }
        }
    }
}

/// What a transition needs besides the right actor.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Need {
    Nothing,
    /// The fields to change (`projectUpdate`).
    Changes,
    /// Every field an application must have (see `missing_for_submission`).
    CompleteRecord,
    Reason,
    DepartmentAndDeadline,
    MilestoneAndDate,
    Date,
    Progress,
    DateAndFinalQuantity,
    Grade,
    Findings,
}

impl Need {
    pub fn describe(self) -> &'static str {
        match self {
            Need::Nothing => "",
            Need::Changes => "the fields to change",
            Need::CompleteRecord => "a complete record",
            Need::Reason => "a reason",
            Need::DepartmentAndDeadline => "a department and a deadline",
            Need::MilestoneAndDate => "a milestone and its date",
            Need::Date => "a date",
            Need::Progress => "a progress report",
            Need::DateAndFinalQuantity => "a date and the final quantity",
            Need::Grade => "a grade (合格/优质)",
            Need::Findings => "the findings",
        }
    }
}

/// One row of the state machine.
#[derive(Copy, Clone, Debug)]
pub struct Transition {
    pub from: &'static [ProjectStatus],
    pub action: ProjectAction,
    pub to: ProjectStatus,
    pub who: Who,
    pub needs: Need,
}

use ProjectAction as A;
use ProjectStatus as S;

/// Every state a project can be cancelled from: all but the final ones.
const CANCELLABLE: &[ProjectStatus] = &[
    S::Draft,
    S::Submitted,
    S::Approved,
    S::Assigned,
    S::Claimed,
    S::Preparing,
    S::UnderConstruction,
    S::Completed,
];

/// Who creates projects (— → DRAFT).
pub const CREATOR: Role = Role::Township;

/// The state machine of DESIGN §3. Preliminary work may be recorded again while
/// PREPARING, once per milestone (立项、审批、设计、招标).
pub const TRANSITIONS: &[Transition] = &[
    Transition {
        from: &[S::Draft],
        action: A::Update,
        to: S::Draft,
        who: Who::Role(Role::Township),
        needs: Need::Changes,
    },
    Transition {
        from: &[S::Draft],
        action: A::Submit,
        to: S::Submitted,
        who: Who::Role(Role::Township),
        needs: Need::CompleteRecord,
    },
    Transition {
        from: &[S::Submitted],
        action: A::Return,
        to: S::Draft,
        who: Who::Role(Role::Coordinator),
        needs: Need::Reason,
    },
    Transition {
        from: &[S::Submitted],
        action: A::Reject,
        to: S::Rejected,
        who: Who::Role(Role::Coordinator),
        needs: Need::Reason,
    },
    Transition {
        from: &[S::Submitted],
        action: A::Approve,
        to: S::Approved,
        who: Who::Role(Role::Coordinator),
        needs: Need::Nothing,
    },
    Transition {
        from: &[S::Approved],
        action: A::Assign,
        to: S::Assigned,
        who: Who::Role(Role::Coordinator),
        needs: Need::DepartmentAndDeadline,
    },
    Transition {
        from: &[S::Assigned],
        action: A::Claim,
        to: S::Claimed,
        who: Who::AssignedDepartment,
        needs: Need::Nothing,
    },
    Transition {
        from: &[S::Assigned],
        action: A::Decline,
        to: S::Approved,
        who: Who::AssignedDepartment,
        needs: Need::Reason,
    },
    Transition {
        from: &[S::Claimed, S::Preparing],
        action: A::RecordPreparation,
        to: S::Preparing,
        who: Who::AssignedDepartment,
        needs: Need::MilestoneAndDate,
    },
    Transition {
        from: &[S::Claimed, S::Preparing],
        action: A::StartConstruction,
        to: S::UnderConstruction,
        who: Who::AssignedDepartment,
        needs: Need::Date,
    },
    Transition {
        from: &[S::UnderConstruction],
        action: A::ReportProgress,
        to: S::UnderConstruction,
        who: Who::AssignedDepartment,
        needs: Need::Progress,
    },
    Transition {
        from: &[S::UnderConstruction],
        action: A::Complete,
        to: S::Completed,
        who: Who::AssignedDepartment,
        needs: Need::DateAndFinalQuantity,
    },
    Transition {
        from: &[S::Completed],
        action: A::Accept,
        to: S::Accepted,
        who: Who::Role(Role::Coordinator),
        needs: Need::Grade,
    },
    Transition {
        from: &[S::Completed],
        action: A::FailAcceptance,
        to: S::UnderConstruction,
        who: Who::Role(Role::Coordinator),
        needs: Need::Findings,
    },
    Transition {
        from: CANCELLABLE,
        action: A::Cancel,
        to: S::Cancelled,
        who: Who::Role(Role::Coordinator),
        needs: Need::Reason,
    },
];

/// The row for `action` from `from`, if the table has one.
pub fn transition(from: ProjectStatus, action: ProjectAction) -> Option<&'static Transition> {
    TRANSITIONS
        .iter()
        .find(|t| t.action == action && t.from.contains(&from))
}

/// The transitions the table allows from `from`.
pub fn allowed_from(from: ProjectStatus) -> impl Iterator<Item = &'static Transition> {
    TRANSITIONS.iter().filter(move |t| t.from.contains(&from))
}

/// Checks that `actor` may take `action` on a project in `from` assigned to
/// `project_department`: `INVALID_TRANSITION` naming the state and what is allowed from
/// it, or `FORBIDDEN` naming who may.
pub fn check(
    actor: &Actor,
    from: ProjectStatus,
    action: ProjectAction,
    project_department: Option<i64>,
) -> Result<&'static Transition, Fault> {
    let Some(row) = transition(from, action) else {
        let allowed: Vec<String> = allowed_from(from).map(|t| t.action.verb().to_string()).collect();
        let allowed = if allowed.is_empty() {
            "nothing: it is final".to_string()
        } else {
            allowed.join(", ")
        };
        return Err(Fault::new(
            ErrorCode::InvalidTransition,
            &[],
            format!(
                "cannot {} a project that is {}; from {} you may: {allowed}",
                action.verb(),
                from.as_str(),
                from.as_str()
            ),
        ));
    };
    if !row.who.admits(actor, project_department) {
        return Err(Fault::forbidden(format!(
            "only {} may {} a {} project",
            row.who.describe(),
            action.verb(),
            from.as_str()
        )));
    }
    Ok(row)
}

/// A usual path from a new draft to `status`, as the table's actions (for demo and
/// generated data: each step is a row of the table, taken in order).
pub fn path_to(status: ProjectStatus) -> Vec<ProjectAction> {
    use ProjectAction as A;
    use ProjectStatus as S;
    let path: &[ProjectAction] = match status {
        S::Draft => &[],
        S::Submitted => &[A::Submit],
        S::Rejected => &[A::Submit, A::Reject],
        S::Approved => &[A::Submit, A::Approve],
        S::Assigned => &[A::Submit, A::Approve, A::Assign],
        S::Claimed => &[A::Submit, A::Approve, A::Assign, A::Claim],
        S::Preparing => &[A::Submit, A::Approve, A::Assign, A::Claim, A::RecordPreparation],
        S::UnderConstruction => &[
            A::Submit,
            A::Approve,
            A::Assign,
            A::Claim,
            A::RecordPreparation,
            A::StartConstruction,
        ],
        S::Completed => &[
            A::Submit,
            A::Approve,
            A::Assign,
            A::Claim,
            A::StartConstruction,
            A::Complete,
        ],
        S::Accepted => &[
            A::Submit,
            A::Approve,
            A::Assign,
            A::Claim,
            A::StartConstruction,
            A::Complete,
            A::Accept,
        ],
        S::Cancelled => &[A::Submit, A::Approve, A::Cancel],
    };
    path.to_vec()
}

/// The lifecycle table in Markdown, for the README.
pub fn markdown_table() -> String {
    let mut out = String::from("| from | action | to | who | needs |\n|---|---|---|---|---|\n");
    out.push_str(&format!(
        "| — | create | DRAFT | {} | |\n",
        Who::Role(CREATOR).describe()
    ));
    for t in TRANSITIONS {
        let from: Vec<&str> = t.from.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            from.join(", "),
            t.action.verb(),
            t.to.as_str(),
            t.who.describe(),
            t.needs.describe()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Scope;
    use crate::domain::region::RegionCode;

    fn actor(role: Role, department: Option<i64>) -> Actor {
        Actor {
            user_id: Some(1),
            username: "u".into(),
            role,
            scope: Scope::Subtree(RegionCode::parse("990101000000").unwrap()),
            department_id: department,
        }
    }

    /// DESIGN §3, copied by hand: the table must say the same.
    #[test]
    fn the_table_is_design_section_3() {
        let design: &[(&[S], A, S)] = &[
            (&[S::Draft], A::Submit, S::Submitted),
            (&[S::Submitted], A::Return, S::Draft),
            (&[S::Submitted], A::Reject, S::Rejected),
            (&[S::Submitted], A::Approve, S::Approved),
            (&[S::Approved], A::Assign, S::Assigned),
            (&[S::Assigned], A::Claim, S::Claimed),
            (&[S::Assigned], A::Decline, S::Approved),
            (&[S::Claimed], A::RecordPreparation, S::Preparing),
            (&[S::Claimed, S::Preparing], A::StartConstruction, S::UnderConstruction),
            (&[S::UnderConstruction], A::ReportProgress, S::UnderConstruction),
            (&[S::UnderConstruction], A::Complete, S::Completed),
            (&[S::Completed], A::Accept, S::Accepted),
            (&[S::Completed], A::FailAcceptance, S::UnderConstruction),
        ];
        for (froms, action, to) in design {
            for from in *froms {
                assert_eq!(
                    transition(*from, *action).map(|t| t.to),
                    Some(*to),
                    "{from:?} {action:?}"
                );
            }
        }
        for status in ProjectStatus::ALL {
            let final_state = matches!(status, S::Rejected | S::Accepted | S::Cancelled);
            assert_eq!(
                transition(status, A::Cancel).is_some(),
                !final_state,
                "cancel from {status:?}"
            );
        }
    }

    #[test]
    fn every_path_follows_the_table_to_its_state() {
        for status in ProjectStatus::ALL {
            let mut at = S::Draft;
            for action in path_to(status) {
                at = transition(at, action)
                    .unwrap_or_else(|| panic!("{action:?} from {at:?}"))
                    .to;
            }
            assert_eq!(at, status);
        }
    }

    #[test]
    fn wrong_state_names_the_state_and_what_is_allowed() {
        let err = check(&actor(Role::Coordinator, None), S::Draft, A::Approve, None).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidTransition);
        assert!(
            err.message.contains("DRAFT") && err.message.contains("submit, cancel"),
            "{}",
            err.message
        );
        let err = check(&actor(Role::Coordinator, None), S::Accepted, A::Cancel, None).unwrap_err();
        assert!(err.message.contains("final"), "{}", err.message);
    }

    #[test]
    fn only_the_assigned_department_acts_for_a_department() {
        assert!(check(&actor(Role::Department, Some(7)), S::Assigned, A::Claim, Some(7)).is_ok());
        let err = check(&actor(Role::Department, Some(8)), S::Assigned, A::Claim, Some(7)).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
        let err = check(&actor(Role::Township, None), S::Submitted, A::Approve, None).unwrap_err();
        assert!(err.message.contains("COORDINATOR"), "{}", err.message);
    }
}
