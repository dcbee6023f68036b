//! 痕迹档案 — what the audit trail records: one action name for every kind of change, as
//! it is stored and as `auditLog(filter: {action})` asks for it.
use super::lifecycle::ProjectAction;
use super::rectification::IssueAction;

/// A kind of change the audit trail records.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AuditAction {
    /// 新增行政区划 — a region was added (by hand or by a CSV import).
    RegionCreate,
    /// 修改行政区划 — a region's name or poverty figures changed.
    RegionUpdate,
    /// 新增部门 — a department was added.
    DepartmentCreate,
    /// 修改部门 — a department's name, kind or sectors changed.
    DepartmentUpdate,
    /// 新增用户 — an account was created.
    UserCreate,
    /// 修改用户 — an account's role, area, department, name, password or state changed.
    UserUpdate,
    /// 删除用户 — an account was deleted.
    UserDelete,
    /// 项目新建 — a township drafted a project.
    ProjectCreate,
    /// 项目修改 — a draft or returned application was edited.
    ProjectUpdate,
    /// 镇村申报 — an application was submitted.
    ProjectSubmit,
    /// 退回 — an application went back to its township.
    ProjectReturn,
    /// 否决 — an application was rejected.
    ProjectReject,
    /// 县级统筹 — an application was approved into the plan.
    ProjectApprove,
    /// 清单交办 — a project was assigned to a department.
    ProjectAssign,
    /// 部门认领 — a department claimed its project.
    ProjectClaim,
    /// 拒领 — a department declined its project.
    ProjectDecline,
    /// 前期工作 — a preliminary-work milestone was recorded.
    ProjectRecordPreparation,
    /// 开工 — construction started.
    ProjectStartConstruction,
    /// 进度填报 — a progress report changed the project's latest figures.
    ProjectReportProgress,
    /// 竣工 — construction was completed.
    ProjectComplete,
    /// 验收 — the work was accepted.
    ProjectAccept,
    /// 验收不合格 — the work failed acceptance.
    ProjectFailAcceptance,
    /// 撤销 — the project was cancelled.
    ProjectCancel,
    /// 进度报告 — a progress report was filed.
    ProgressReportCreate,
    /// 新增资金 — a fund line was created.
    FundLineCreate,
    /// 资金到位 — a receipt was recorded.
    LedgerReceipt,
    /// 资金分配 — an allocation was recorded.
    LedgerAllocation,
    /// 资金拨付 — a payment was recorded.
    LedgerDisbursement,
    /// 冲销 — an entry was reversed.
    LedgerReversal,
    /// 年度计划编制 — an annual plan version was set.
    AnnualPlanSet,
    /// 年度计划批准 — an annual plan version was approved.
    AnnualPlanApprove,
    /// 负面清单新增 — a county barred a project category for a fund kind.
    NegativeListAdd,
    /// 负面清单移除 — a county's own negative-list entry was taken out.
    NegativeListRemove,
    /// 质保金规定 — a county's retention terms were set.
    RetentionPolicySet,
    /// 问题登记 — a problem was filed in the rectification ledger.
    RectificationFile,
    /// 开始整改 — the responsible unit took a problem up.
    RectificationStart,
    /// 申请销号 — the unit reported a problem rectified, with evidence.
    RectificationSubmit,
    /// 销号 — a verifier closed a problem.
    RectificationClose,
    /// 退回整改 — verification failed; the problem went back to the unit.
    RectificationReturn,
    /// 反弹 — a closed problem was found again.
    RectificationReopen,
    /// 三单拟定 — a unit's monthly task list was drafted.
    TaskListCreate,
    /// 三单修改 — a draft list's items were changed.
    TaskListUpdate,
    /// 晒单 — a list was published.
    TaskListPublish,
    /// 跟单 — items were followed up.
    TaskListFollowUp,
    /// 清单 — a list was cleared at the month's end.
    TaskListClear,
    /// 督考方案 — a county's scoring scheme was set (a new version).
    AssessmentSchemeSet,
    /// 退出标准 — a county's exit standard was set (a new version).
    ExitStandardSet,
    /// 村级数据 — a village's figures for a year were recorded.
    VillageFiguresSet,
    /// 达标登记 — a village's indicator was judged (by hand, or met by a project's acceptance).
    ExitJudge,
    /// 缺项交办 — a gap was assigned to a department.
    ExitGapAssign,
    /// 缺项认领 — a department claimed a gap.
    ExitGapClaim,
    /// 缺项关联项目 — a project was linked to a gap.
    ExitGapLink,
    /// 取消关联 — a project was unlinked from a gap.
    ExitGapUnlink,
    /// 公示草稿 — a notice was drafted.
    DisclosureCreate,
    /// 修改公示 — a draft notice was changed.
    DisclosureUpdate,
    /// 张贴 — a notice was posted.
    DisclosurePost,
    /// 撤回 — a notice was withdrawn.
    DisclosureWithdraw,
    /// 受理异议 — an objection to a notice was recorded.
    DisclosureObjectionRecord,
    /// 异议处理 — an objection was resolved.
    DisclosureObjectionResolve,
    /// 公示规则 — a county's disclosure rules were set (a new version).
    DisclosureRulesSet,
    /// 导入 — a spreadsheet was imported (or tried: a dry run, a refused file).
    ImportRun,
}

text_enum!(AuditAction {
    NegativeListAdd => "negative_list.add",
    NegativeListRemove => "negative_list.remove",
    RetentionPolicySet => "retention_policy.set",
    RectificationFile => "rectification.file",
    RectificationStart => "rectification.start",
    RectificationSubmit => "rectification.submit",
    RectificationClose => "rectification.close",
    RectificationReturn => "rectification.return",
    RectificationReopen => "rectification.reopen",
    TaskListCreate => "task_list.create",
    TaskListUpdate => "task_list.update",
    TaskListPublish => "task_list.publish",
    TaskListFollowUp => "task_list.follow_up",
    TaskListClear => "task_list.clear",
    AssessmentSchemeSet => "assessment_scheme.set",
    ExitStandardSet => "exit_standard.set",
    VillageFiguresSet => "village_figures.set",
    ExitJudge => "exit.judge",
    ExitGapAssign => "exit_gap.assign",
    ExitGapClaim => "exit_gap.claim",
    ExitGapLink => "exit_gap.link",
    ExitGapUnlink => "exit_gap.unlink",
    DisclosureCreate => "disclosure.create",
    DisclosureUpdate => "disclosure.update",
    DisclosurePost => "disclosure.post",
    DisclosureWithdraw => "disclosure.withdraw",
    DisclosureObjectionRecord => "disclosure.objection_record",
    DisclosureObjectionResolve => "disclosure.objection_resolve",
    DisclosureRulesSet => "disclosure_rules.set",
    ImportRun => "import.run",
    RegionCreate => "region.create",
    RegionUpdate => "region.update",
    DepartmentCreate => "department.create",
    DepartmentUpdate => "department.update",
    UserCreate => "user.create",
    UserUpdate => "user.update",
    UserDelete => "user.delete",
    ProjectCreate => "project.create",
    ProjectUpdate => "project.update",
    ProjectSubmit => "project.submit",
    ProjectReturn => "project.return",
    ProjectReject => "project.reject",
    ProjectApprove => "project.approve",
    ProjectAssign => "project.assign",
    ProjectClaim => "project.claim",
    ProjectDecline => "project.decline",
    ProjectRecordPreparation => "project.record_preparation",
    ProjectStartConstruction => "project.start_construction",
    ProjectReportProgress => "project.report_progress",
    ProjectComplete => "project.complete",
    ProjectAccept => "project.accept",
    ProjectFailAcceptance => "project.fail_acceptance",
    ProjectCancel => "project.cancel",
    ProgressReportCreate => "progress_report.create",
    FundLineCreate => "fund_line.create",
    LedgerReceipt => "ledger.receipt",
    LedgerAllocation => "ledger.allocation",
    LedgerDisbursement => "ledger.disbursement",
    LedgerReversal => "ledger.reversal",
    AnnualPlanSet => "annual_plan.set",
    AnnualPlanApprove => "annual_plan.approve",
});

impl AuditAction {
    /// The record of a step of the rectification ledger; `None` is the filing.
    pub fn of_rectification(action: Option<IssueAction>) -> Self {
        match action {
            None => Self::RectificationFile,
            Some(IssueAction::Start) => Self::RectificationStart,
            Some(IssueAction::Submit) => Self::RectificationSubmit,
            Some(IssueAction::Close) => Self::RectificationClose,
            Some(IssueAction::ReturnForRectification) => Self::RectificationReturn,
            Some(IssueAction::Reopen) => Self::RectificationReopen,
        }
    }

    /// The record of a project's lifecycle step.
    pub fn of_project(action: ProjectAction) -> Self {
        match action {
            ProjectAction::Create => Self::ProjectCreate,
            ProjectAction::Update => Self::ProjectUpdate,
            ProjectAction::Submit => Self::ProjectSubmit,
            ProjectAction::Return => Self::ProjectReturn,
            ProjectAction::Reject => Self::ProjectReject,
            ProjectAction::Approve => Self::ProjectApprove,
            ProjectAction::Assign => Self::ProjectAssign,
            ProjectAction::Claim => Self::ProjectClaim,
            ProjectAction::Decline => Self::ProjectDecline,
            ProjectAction::RecordPreparation => Self::ProjectRecordPreparation,
            ProjectAction::StartConstruction => Self::ProjectStartConstruction,
            ProjectAction::ReportProgress => Self::ProjectReportProgress,
            ProjectAction::Complete => Self::ProjectComplete,
            ProjectAction::Accept => Self::ProjectAccept,
            ProjectAction::FailAcceptance => Self::ProjectFailAcceptance,
            ProjectAction::Cancel => Self::ProjectCancel,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::resolver_utils::EnumType;

    /// Every action reads back from its stored name, and a project step's name is the one
    /// the trail has always used (`project.` and the action in snake case).
    #[test]
    fn stored_names_round_trip_and_follow_the_project_actions() {
        for item in AuditAction::items() {
            assert_eq!(AuditAction::parse(item.value.as_str()), Some(item.value));
        }
        for item in ProjectAction::items() {
            let action = item.value;
            assert_eq!(
                AuditAction::of_project(action).as_str(),
                format!("project.{}", action.as_str().to_ascii_lowercase())
            );
        }
    }
}
