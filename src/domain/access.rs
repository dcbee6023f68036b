//! Who may do what, where: roles, the signed-in actor with its region scope, and the one
//! permission table every check is derived from.
use super::fault::Fault;
use super::region::{RegionCode, RegionLevel};
use std::str::FromStr;

/// 角色 — what a user does in the programme (DESIGN §1).
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// 系统管理员 — manages regions, departments and users.
    Admin,
    /// 县扶贫办 — approves applications, sets the plan, assigns projects.
    Coordinator,
    /// 财政局 — keeps the fund ledger.
    Finance,
    /// 行业部门 — claims and builds assigned projects; bound to one department.
    Department,
    /// 乡镇 — drafts and submits applications; bound to one township.
    Township,
    /// 督查/审计/人大 — reads everything in its region; writes only the rectification ledger
    /// (files problems, verifies and closes them).
    Inspector,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Coordinator,
        Role::Finance,
        Role::Department,
        Role::Township,
        Role::Inspector,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Coordinator => "COORDINATOR",
            Role::Finance => "FINANCE",
            Role::Department => "DEPARTMENT",
            Role::Township => "TOWNSHIP",
            Role::Inspector => "INSPECTOR",
        }
    }

    /// Checks that a user of this role is bound the way the role needs: a township user to
    /// a township, a department user to a department, everyone else to a county or above.
    pub fn check_binding(self, region_level: RegionLevel, has_department: bool) -> Result<(), Fault> {
        match self {
            Role::Township if region_level != RegionLevel::Township => Err(Fault::invalid(
                "regionCode",
                "a TOWNSHIP user is scoped to a township (乡镇): give a township's code",
            )),
            Role::Department if !has_department => Err(Fault::invalid(
                "departmentId",
                "a DEPARTMENT user must belong to a department",
            )),
            Role::Admin | Role::Coordinator | Role::Finance | Role::Inspector if region_level > RegionLevel::County => {
                Err(Fault::invalid(
                    "regionCode",
                    format!("a {} user is scoped to a county or a larger region", self.as_str()),
                ))
            }
            _ => Ok(()),
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == s).ok_or_else(|| {
            let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            format!("unknown role `{s}`: use one of {}", roles.join(", "))
        })
    }
}

/// The part of the region tree an actor works in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole deployment: only the command-line tools act with this scope.
    Everything,
    /// A region and everything below it.
    Subtree(RegionCode),
}

impl Scope {
    /// Whether `code` lies in the scope — where the actor may act.
    pub fn contains(&self, code: &RegionCode) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Subtree(root) => root.contains(code),
        }
    }

    /// Whether the actor may see `code`: its subtree and the regions above it, so that a
    /// township clerk can name its county and see the county's departments.
    pub fn sees(&self, code: &RegionCode) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Subtree(root) => root.contains(code) || code.contains(root),
        }
    }

    /// The scope's root region, if it has one.
    pub fn root(&self) -> Option<&RegionCode> {
        match self {
            Scope::Everything => None,
            Scope::Subtree(root) => Some(root),
        }
    }
}

/// The signed-in user a request acts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// `None` for the command-line tools.
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
    pub scope: Scope,
    pub department_id: Option<i64>,
}

impl Actor {
    /// The actor for command-line work (`seed`, `user create`, `regions import`), which
    /// the operator runs with direct access to the database.
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            username: "system".to_string(),
            role: Role::Admin,
            scope: Scope::Everything,
            department_id: None,
        }
    }
}

/// Which projects an actor sees: a department the projects assigned to it (none while
/// it has no department), everyone else the projects in their area. One rule in two
/// forms: [`ProjectsSeen::contains`] for a project in hand, and the SQL condition
/// `service::projects` builds from the same value; the API test
/// `projects::the_list_and_a_lookup_agree_on_what_each_user_sees` holds them together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProjectsSeen {
    AssignedTo(Option<i64>),
    Everything,
    InRegion(RegionCode),
}

impl ProjectsSeen {
    /// Whether a project in `township` held by `department` is among them.
    pub fn contains(&self, township: &RegionCode, department: Option<i64>) -> bool {
        match self {
            ProjectsSeen::AssignedTo(mine) => mine.is_some() && *mine == department,
            ProjectsSeen::Everything => true,
            ProjectsSeen::InRegion(root) => root.contains(township),
        }
    }
}

impl Actor {
    /// The projects this actor sees.
    pub fn projects_seen(&self) -> ProjectsSeen {
        match (&self.scope, self.role) {
            (_, Role::Department) => ProjectsSeen::AssignedTo(self.department_id),
            (Scope::Everything, _) => ProjectsSeen::Everything,
            (Scope::Subtree(root), _) => ProjectsSeen::InRegion(root.clone()),
        }
    }
}

/// Things an actor may ask to do, each governed by one row of [`permission`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    ViewRegions,
    ViewDepartments,
    ViewUsers,
    ManageRegions,
    ManageDepartments,
    ManageUsers,
    ViewAuditLog,
    ViewFunds,
    /// 资金台账 — the journal of ledger entries, searched and listed.
    ViewJournal,
    ManageFunds,
    /// The county's own fund rules: its negative-list entries (负面清单) and retention
    /// terms (质保金).
    ManageFundRules,
    ManagePlan,
    /// 问题整改台账 — read the rectification ledger (a unit its own problems).
    ViewRectification,
    /// 问题整改台账 — file problems and verify their rectification (销号): the one write
    /// right an INSPECTOR has.
    VerifyRectification,
    /// 三单 — read the monthly task lists (a unit its own).
    ViewTaskLists,
    /// 三单 — keep a unit's monthly task list: write, publish, follow up and clear it.
    KeepTaskLists,
    /// 逾期预警 — read what is overdue (of what the actor sees).
    ViewAlerts,
    /// 督考 — read the quarterly scores and the scheme (a unit its own row).
    ViewAssessment,
    /// 督考 — set the county's scoring scheme.
    ManageAssessment,
    /// 达标登记台账 — read the exit register, readiness and the gap list.
    ViewExitRegister,
    /// 退出标准 — set the county's exit standard.
    ManageExitStandards,
    /// 达标登记 — judge a village's indicators and record its figures.
    JudgeExitIndicators,
    /// 缺项清单交办 — assign gaps to departments and link the projects that close them.
    AssignExitGaps,
    /// 缺项认领 — a department claims the gaps assigned to it.
    ClaimExitGaps,
    /// 公告公示 — read the notices, drafts included, and the objections they drew.
    ViewDisclosures,
    /// 公告公示 — write, post and withdraw notices and record objections and their
    /// resolution (each notice's manager: `domain::disclosure::manager_admits`).
    ManageDisclosures,
    /// 公示规则 — set the county's disclosure rules.
    ManageDisclosureRules,
    /// 项目库导入 — bring the county's project library in with its history: each step is
    /// then taken as the role the lifecycle table names, recorded as imported.
    ImportProjectLibrary,
}

/// Where the target of an operation must lie relative to the actor's scope.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// In the actor's subtree or above it (reading shared reference data).
    Visible,
    /// In the actor's subtree.
    Subtree,
}

/// One row of the permission table.
#[derive(Copy, Clone, Debug)]
pub struct Permission {
    pub operation: Operation,
    /// What the operation is, in words for error messages and the README.
    pub description: &'static str,
    pub roles: &'static [Role],
    pub reach: Reach,
}

const EVERYONE: &[Role] = &Role::ALL;
const ADMIN: &[Role] = &[Role::Admin];
const OVERSIGHT: &[Role] = &[Role::Admin, Role::Inspector];
const FINANCE: &[Role] = &[Role::Finance, Role::Admin];
const COORDINATION: &[Role] = &[Role::Coordinator];
/// Who keeps the monthly task lists: the poverty office (the leaders'), the departments and
/// the townships (their own, and a township its villages').
const UNITS: &[Role] = &[Role::Coordinator, Role::Department, Role::Township];
/// Who judges a village's exit indicators: its township, and the poverty office confirming.
const JUDGES: &[Role] = &[Role::Township, Role::Coordinator];
/// Who posts notices: "谁分配谁公开、谁使用谁公开" — the poverty office, finance (of the money
/// it allocates), the departments (of the projects they build) and the townships.
const DISCLOSERS: &[Role] = &[Role::Coordinator, Role::Finance, Role::Department, Role::Township];
/// The sector departments.
const DEPARTMENTS: &[Role] = &[Role::Department];
/// Who checks the work: the county's poverty office and its inspectors.
const SUPERVISION: &[Role] = &[Role::Coordinator, Role::Inspector];
/// Who works from the books: the bureau that keeps them, the office that plans with them,
/// those who check them (and ADMIN, who may record entries).
const BOOKS: &[Role] = &[Role::Finance, Role::Coordinator, Role::Inspector, Role::Admin];

impl Operation {
    pub const ALL: [Operation; 28] = [
        Operation::ViewRegions,
        Operation::ViewDepartments,
        Operation::ViewUsers,
        Operation::ManageRegions,
        Operation::ManageDepartments,
        Operation::ManageUsers,
        Operation::ViewAuditLog,
        Operation::ViewFunds,
        Operation::ViewJournal,
        Operation::ManageFunds,
        Operation::ManageFundRules,
        Operation::ManagePlan,
        Operation::ViewRectification,
        Operation::VerifyRectification,
        Operation::ViewTaskLists,
        Operation::KeepTaskLists,
        Operation::ViewAlerts,
        Operation::ViewAssessment,
        Operation::ManageAssessment,
        Operation::ViewExitRegister,
        Operation::ManageExitStandards,
        Operation::JudgeExitIndicators,
        Operation::AssignExitGaps,
        Operation::ClaimExitGaps,
        Operation::ViewDisclosures,
        Operation::ManageDisclosures,
        Operation::ManageDisclosureRules,
        Operation::ImportProjectLibrary,
    ];
}

/// The permission table: role × operation × scope, one row per operation. Every check
/// reads it; a `match` so that a new operation cannot be added without its row.
pub const fn permission(operation: Operation) -> Permission {
    use Operation::*;
    let (description, roles, reach) = match operation {
        ViewRegions => ("view regions", EVERYONE, Reach::Visible),
        ViewDepartments => ("view departments", EVERYONE, Reach::Visible),
        ViewUsers => ("view user accounts", OVERSIGHT, Reach::Subtree),
        ManageRegions => ("create or change regions", ADMIN, Reach::Subtree),
        ManageDepartments => ("create or change departments", ADMIN, Reach::Subtree),
        ManageUsers => ("create, change or delete user accounts", ADMIN, Reach::Subtree),
        ViewAuditLog => ("read the audit trail", OVERSIGHT, Reach::Subtree),
        ViewFunds => (
            "read fund lines, the ledger, the plan and fund utilization",
            EVERYONE,
            Reach::Subtree,
        ),
        ViewJournal => ("list and search the journal of ledger entries", BOOKS, Reach::Subtree),
        ManageFunds => (
            "record fund lines, receipts, allocations, disbursements and reversals",
            FINANCE,
            Reach::Subtree,
        ),
        ManageFundRules => (
            "set the county's fund rules: its negative list (负面清单) and retention terms (质保金)",
            FINANCE,
            Reach::Subtree,
        ),
        ManagePlan => ("set or approve the annual plan", COORDINATION, Reach::Subtree),
        ViewRectification => ("read the rectification ledger (问题整改台账)", EVERYONE, Reach::Subtree),
        VerifyRectification => (
            "file problems in the rectification ledger and verify their rectification (销号)",
            SUPERVISION,
            Reach::Subtree,
        ),
        ViewTaskLists => ("read the monthly task lists (三单)", EVERYONE, Reach::Subtree),
        ViewAssessment => (
            "read the quarterly scores (督考) and their scheme",
            EVERYONE,
            Reach::Subtree,
        ),
        ManageAssessment => ("set the county's scoring scheme (督考)", COORDINATION, Reach::Subtree),
        ViewExitRegister => (
            "read the exit register (达标登记台账), readiness and the gap list (缺项清单)",
            EVERYONE,
            Reach::Subtree,
        ),
        ManageExitStandards => (
            "set the county's exit standard (退出标准)",
            COORDINATION,
            Reach::Subtree,
        ),
        JudgeExitIndicators => (
            "judge villages' exit indicators and record their figures (达标登记)",
            JUDGES,
            Reach::Subtree,
        ),
        AssignExitGaps => (
            "assign gaps to departments and link the projects that close them (缺项清单交办)",
            COORDINATION,
            Reach::Subtree,
        ),
        ClaimExitGaps => (
            "claim the gaps assigned to your department (认领)",
            DEPARTMENTS,
            Reach::Subtree,
        ),
        ViewDisclosures => (
            "read the notices (公告公示), drafts included, and the objections they drew",
            EVERYONE,
            Reach::Subtree,
        ),
        ManageDisclosures => (
            "write, post and withdraw notices (公告公示) and record objections and their resolution",
            DISCLOSERS,
            Reach::Subtree,
        ),
        ManageDisclosureRules => (
            "set the county's disclosure rules (公示规则)",
            COORDINATION,
            Reach::Subtree,
        ),
        ImportProjectLibrary => (
            "import the county's project library with its history (项目库导入), each step as the role the lifecycle table names",
            COORDINATION,
            Reach::Subtree,
        ),
        ViewAlerts => (
            "read the overdue alerts (逾期预警) of what you see",
            EVERYONE,
            Reach::Subtree,
        ),
        KeepTaskLists => (
            "keep a unit's monthly task list (三单): write, publish, follow up and clear it",
            UNITS,
            Reach::Subtree,
        ),
    };
    Permission {
        operation,
        description,
        roles,
        reach,
    }
}

/// Checks the actor's role for `operation`, wherever its target lies.
pub fn authorize(actor: &Actor, operation: Operation) -> Result<(), Fault> {
    let row = permission(operation);
    if row.roles.contains(&actor.role) {
        Ok(())
    } else {
        let allowed: Vec<&str> = row.roles.iter().map(|r| r.as_str()).collect();
        Err(Fault::forbidden(format!(
            "{} users may not {}; this needs the role {}",
            actor.role.as_str(),
            row.description,
            allowed.join(" or ")
        )))
    }
}

/// Checks the actor's role for `operation` and that `target` lies within its reach.
pub fn authorize_at(actor: &Actor, operation: Operation, target: &RegionCode) -> Result<(), Fault> {
    authorize(actor, operation)?;
    let row = permission(operation);
    let within = match row.reach {
        Reach::Visible => actor.scope.sees(target),
        Reach::Subtree => actor.scope.contains(target),
    };
    if within {
        Ok(())
    } else {
        let root = actor.scope.root().map(|r| r.to_string()).unwrap_or_default();
        Err(Fault::forbidden(format!(
            "region {target} is outside your area ({root}); you may not {} there",
            row.description
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, region: &str) -> Actor {
        Actor {
            user_id: Some(1),
            username: "u".into(),
            role,
            scope: Scope::Subtree(RegionCode::parse(region).unwrap()),
            department_id: None,
        }
    }

    #[test]
    fn inspectors_write_only_the_rectification_ledger() {
        for op in Operation::ALL {
            let row = permission(op);
            assert_eq!(row.operation, op);
            let reads = matches!(
                op,
                Operation::ViewRegions
                    | Operation::ViewDepartments
                    | Operation::ViewUsers
                    | Operation::ViewAuditLog
                    | Operation::ViewFunds
                    | Operation::ViewJournal
                    | Operation::ViewRectification
                    | Operation::ViewTaskLists
                    | Operation::ViewAlerts
                    | Operation::ViewAssessment
                    | Operation::ViewExitRegister
                    | Operation::ViewDisclosures
            );
            if !reads && op != Operation::VerifyRectification {
                assert!(!row.roles.contains(&Role::Inspector), "{op:?}");
            }
        }
        assert!(
            permission(Operation::VerifyRectification)
                .roles
                .contains(&Role::Inspector)
        );
    }

    #[test]
    fn scope_sees_ancestors_but_acts_only_below() {
        let township = actor(Role::Township, "990101001000");
        let county = RegionCode::parse("990101000000").unwrap();
        let other_township = RegionCode::parse("990101002000").unwrap();
        assert!(authorize_at(&township, Operation::ViewRegions, &county).is_ok());
        assert!(authorize_at(&township, Operation::ViewRegions, &other_township).is_err());
        let admin = actor(Role::Admin, "990101001000");
        assert!(authorize_at(&admin, Operation::ManageRegions, &county).is_err());
        assert!(
            authorize_at(
                &admin,
                Operation::ManageRegions,
                &RegionCode::parse("990101001007").unwrap()
            )
            .is_ok()
        );
    }

    #[test]
    fn wrong_role_is_forbidden_with_the_roles_that_may() {
        let err = authorize(&actor(Role::Finance, "990101000000"), Operation::ManageUsers).unwrap_err();
        assert_eq!(err.code, crate::domain::fault::ErrorCode::Forbidden);
        assert!(err.message.contains("ADMIN"), "{}", err.message);
    }

    #[test]
    fn role_bindings() {
        assert!(Role::Township.check_binding(RegionLevel::County, false).is_err());
        assert!(Role::Township.check_binding(RegionLevel::Township, false).is_ok());
        assert!(Role::Department.check_binding(RegionLevel::County, false).is_err());
        assert!(Role::Department.check_binding(RegionLevel::County, true).is_ok());
        assert!(Role::Finance.check_binding(RegionLevel::Township, false).is_err());
        assert!(Role::Admin.check_binding(RegionLevel::Province, false).is_ok());
    }
}
