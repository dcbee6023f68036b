//! 公告公示 — notices with their subject, place, period and text; the objections they drew;
//! and each county's disclosure rules, versioned by the day they take effect.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Disclosure {
    Table,
    Id,
    CountyCode,
    Subject,
    ProjectId,
    FundLineId,
    PlanId,
    TaskListId,
    Level,
    RegionCode,
    Place,
    Title,
    Body,
    BodyEdited,
    Hotline,
    Issuer,
    StartOn,
    EndOn,
    Status,
    PostedOn,
    WithdrawnOn,
    WithdrawnReason,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DisclosureObjection {
    Table,
    Id,
    DisclosureId,
    ReceivedOn,
    Channel,
    Objector,
    Contact,
    Content,
    ResolvedOn,
    Resolution,
    ResolvedBy,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DisclosureRules {
    Table,
    Id,
    CountyCode,
    EffectiveFrom,
    ApprovalNeedsApplication,
    ApplicationMinDays,
    AcceptanceNeedsCompletion,
    AdjustmentDeadlineWorkingDays,
    SetBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Disclosure as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(big_pk_auto(D::Id))
                    .col(string_len(D::CountyCode, 12))
                    .col(string_len(D::Subject, 24))
                    .col(big_integer_null(D::ProjectId))
                    .col(big_integer_null(D::FundLineId))
                    .col(big_integer_null(D::PlanId))
                    .col(big_integer_null(D::TaskListId))
                    .col(string_len(D::Level, 16))
                    .col(string_len(D::RegionCode, 12))
                    .col(string_len(D::Place, 200))
                    .col(string_len(D::Title, 200))
                    .col(text(D::Body))
                    .col(boolean(D::BodyEdited).default(false))
                    .col(string_len_null(D::Hotline, 40))
                    .col(string_len(D::Issuer, 100))
                    .col(date(D::StartOn))
                    .col(date(D::EndOn))
                    .col(string_len(D::Status, 16))
                    .col(date_null(D::PostedOn))
                    .col(date_null(D::WithdrawnOn))
                    .col(text_null(D::WithdrawnReason))
                    .col(integer(D::Version).default(1))
                    .col(string_len(D::CreatedBy, 64))
                    .col(timestamp_with_time_zone(D::CreatedAt))
                    .col(timestamp_with_time_zone(D::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_disclosure_project", D::ProjectId),
            ("ix_disclosure_region", D::RegionCode),
            ("ix_disclosure_plan", D::PlanId),
        ] {
            manager
                .create_index(Index::create().name(name).table(D::Table).col(column).to_owned())
                .await?;
        }
        use DisclosureObjection as O;
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .col(big_pk_auto(O::Id))
                    .col(big_integer(O::DisclosureId))
                    .col(date(O::ReceivedOn))
                    .col(string_len(O::Channel, 16))
                    .col(string_len(O::Objector, 100))
                    .col(string_len_null(O::Contact, 100))
                    .col(text(O::Content))
                    .col(date_null(O::ResolvedOn))
                    .col(text_null(O::Resolution))
                    .col(string_len_null(O::ResolvedBy, 64))
                    .col(string_len(O::RecordedBy, 64))
                    .col(timestamp_with_time_zone(O::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_disclosure_objection_disclosure")
                    .table(O::Table)
                    .col(O::DisclosureId)
                    .to_owned(),
            )
            .await?;
        use DisclosureRules as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(string_len(R::CountyCode, 12))
                    .col(date(R::EffectiveFrom))
                    .col(boolean(R::ApprovalNeedsApplication))
                    .col(integer(R::ApplicationMinDays))
                    .col(boolean(R::AcceptanceNeedsCompletion))
                    .col(integer(R::AdjustmentDeadlineWorkingDays))
                    .col(string_len(R::SetBy, 64))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_disclosure_rules_county_day")
                    .table(R::Table)
                    .col(R::CountyCode)
                    .col(R::EffectiveFrom)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["disclosure_rules", "disclosure_objection", "disclosure"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
