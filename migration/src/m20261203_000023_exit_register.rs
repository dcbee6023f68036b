//! 贫困村退出 — each county's exit standards (versioned, with their indicators), the
//! villages' figures by year, the register of judgements (达标登记台账, every change kept
//! with its day) and the gap list handed out (缺项清单) with the projects that close each gap.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExitStandard {
    Table,
    Id,
    CountyCode,
    Version,
    EffectiveFrom,
    Name,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ExitIndicator {
    Table,
    Id,
    StandardId,
    Position,
    Code,
    Name,
    Level,
    Sector,
    Kind,
    Comparator,
    Threshold,
    Unit,
    Source,
}

#[derive(DeriveIden)]
enum VillageFigures {
    Table,
    Id,
    VillageCode,
    Year,
    Population,
    PoorHouseholds,
    PoorPeople,
    ExitedHouseholds,
    ExitedPeople,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ExitJudgement {
    Table,
    Id,
    VillageCode,
    IndicatorCode,
    State,
    Value,
    Evidence,
    Documents,
    ProjectId,
    JudgedOn,
    JudgedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum ExitGap {
    Table,
    Id,
    CountyCode,
    VillageCode,
    IndicatorCode,
    Status,
    OpenedOn,
    DepartmentId,
    Deadline,
    AssignedOn,
    ClaimedOn,
    ClosedOn,
    Version,
}

#[derive(DeriveIden)]
enum ExitGapProject {
    Table,
    Id,
    GapId,
    ProjectId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ExitStandard as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(big_pk_auto(S::Id))
                    .col(string_len(S::CountyCode, 12))
                    .col(integer(S::Version))
                    .col(date(S::EffectiveFrom))
                    .col(string_len(S::Name, 200))
                    .col(string_len(S::CreatedBy, 64))
                    .col(timestamp_with_time_zone(S::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_exit_standard_version")
                    .table(S::Table)
                    .col(S::CountyCode)
                    .col(S::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        use ExitIndicator as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(big_pk_auto(I::Id))
                    .col(big_integer(I::StandardId))
                    .col(integer(I::Position))
                    .col(string_len(I::Code, 32))
                    .col(string_len(I::Name, 100))
                    .col(string_len(I::Level, 16).default("VILLAGE"))
                    .col(string_len_null(I::Sector, 32))
                    .col(string_len(I::Kind, 16))
                    .col(string_len_null(I::Comparator, 16))
                    .col(string_len_null(I::Threshold, 40))
                    .col(string_len_null(I::Unit, 16))
                    .col(string_len(I::Source, 200))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_exit_indicator_standard")
                    .table(I::Table)
                    .col(I::StandardId)
                    .col(I::Position)
                    .to_owned(),
            )
            .await?;
        use VillageFigures as V;
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .col(big_pk_auto(V::Id))
                    .col(string_len(V::VillageCode, 12))
                    .col(integer(V::Year))
                    .col(integer(V::Population))
                    .col(integer(V::PoorHouseholds))
                    .col(integer(V::PoorPeople))
                    .col(integer(V::ExitedHouseholds))
                    .col(integer(V::ExitedPeople))
                    .col(string_len(V::UpdatedBy, 64))
                    .col(timestamp_with_time_zone(V::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_village_figures_year")
                    .table(V::Table)
                    .col(V::VillageCode)
                    .col(V::Year)
                    .unique()
                    .to_owned(),
            )
            .await?;
        use ExitJudgement as J;
        manager
            .create_table(
                Table::create()
                    .table(J::Table)
                    .col(big_pk_auto(J::Id))
                    .col(string_len(J::VillageCode, 12))
                    .col(string_len(J::IndicatorCode, 32))
                    .col(string_len(J::State, 16))
                    .col(string_len_null(J::Value, 40))
                    .col(text_null(J::Evidence))
                    .col(text_null(J::Documents))
                    .col(big_integer_null(J::ProjectId))
                    .col(date(J::JudgedOn))
                    .col(string_len(J::JudgedBy, 64))
                    .col(timestamp_with_time_zone(J::RecordedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_exit_judgement_village")
                    .table(J::Table)
                    .col(J::VillageCode)
                    .col(J::IndicatorCode)
                    .col(J::JudgedOn)
                    .col(J::Id)
                    .to_owned(),
            )
            .await?;
        use ExitGap as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .col(big_pk_auto(G::Id))
                    .col(string_len(G::CountyCode, 12))
                    .col(string_len(G::VillageCode, 12))
                    .col(string_len(G::IndicatorCode, 32))
                    .col(string_len(G::Status, 16))
                    .col(date(G::OpenedOn))
                    .col(big_integer_null(G::DepartmentId))
                    .col(date_null(G::Deadline))
                    .col(date_null(G::AssignedOn))
                    .col(date_null(G::ClaimedOn))
                    .col(date_null(G::ClosedOn))
                    .col(integer(G::Version).default(1))
                    .to_owned(),
            )
            .await?;
        // At most one open gap per village and indicator, whoever judges at the same moment.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_exit_gap_open ON exit_gap (village_code, indicator_code) WHERE status <> 'CLOSED'",
            )
            .await?;
        for (name, column) in [
            ("ix_exit_gap_county", G::CountyCode),
            ("ix_exit_gap_village", G::VillageCode),
            ("ix_exit_gap_department", G::DepartmentId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(G::Table)
                        .col(column)
                        .col(G::Id)
                        .to_owned(),
                )
                .await?;
        }
        use ExitGapProject as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(big_pk_auto(P::Id))
                    .col(big_integer(P::GapId))
                    .col(big_integer(P::ProjectId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_exit_gap_project")
                    .table(P::Table)
                    .col(P::GapId)
                    .col(P::ProjectId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_exit_gap_project_project")
                    .table(P::Table)
                    .col(P::ProjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "exit_gap_project",
            "exit_gap",
            "exit_judgement",
            "village_figures",
            "exit_indicator",
            "exit_standard",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
