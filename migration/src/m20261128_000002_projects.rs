//! Projects (扶贫项目), their villages, and the events of their lifecycle.
//!
//! Quantities are stored as integer thousandths of the sector's unit and money as integer
//! fen, so sums in SQL are exact on both databases.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Project {
    Table,
    Id,
    CountyCode,
    Code,
    Name,
    Sector,
    Year,
    TownshipCode,
    ConstructionNature,
    Content,
    PlannedQuantityMilli,
    BudgetFen,
    BeneficiaryHouseholds,
    BeneficiaryPeople,
    PoorHouseholds,
    PoorPeople,
    PerformanceTargets,
    DepartmentId,
    ClaimDeadline,
    PlannedStart,
    PlannedFinish,
    ActualStart,
    ActualFinish,
    FinalQuantityMilli,
    AcceptanceGrade,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProjectVillage {
    Table,
    ProjectId,
    VillageCode,
}

#[derive(DeriveIden)]
enum ProjectEvent {
    Table,
    Id,
    ProjectId,
    Action,
    FromStatus,
    ToStatus,
    ActorId,
    ActorUsername,
    ActorRole,
    OccurredAt,
    Comment,
    EventDate,
    Milestone,
    Grade,
    DepartmentId,
    QuantityMilli,
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum Department {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Project::Table)
                    .col(big_pk_auto(Project::Id))
                    .col(string_len(Project::CountyCode, 12))
                    .col(string_len(Project::Code, 32))
                    .col(string(Project::Name))
                    .col(string_len(Project::Sector, 32))
                    .col(integer(Project::Year))
                    .col(string_len(Project::TownshipCode, 12))
                    .col(string_len(Project::ConstructionNature, 32))
                    .col(text(Project::Content))
                    .col(big_integer(Project::PlannedQuantityMilli))
                    .col(big_integer(Project::BudgetFen))
                    .col(integer(Project::BeneficiaryHouseholds))
                    .col(integer(Project::BeneficiaryPeople))
                    .col(integer(Project::PoorHouseholds))
                    .col(integer(Project::PoorPeople))
                    .col(text(Project::PerformanceTargets))
                    .col(big_integer_null(Project::DepartmentId))
                    .col(date_null(Project::ClaimDeadline))
                    .col(date_null(Project::PlannedStart))
                    .col(date_null(Project::PlannedFinish))
                    .col(date_null(Project::ActualStart))
                    .col(date_null(Project::ActualFinish))
                    .col(big_integer_null(Project::FinalQuantityMilli))
                    .col(string_len_null(Project::AcceptanceGrade, 16))
                    .col(string_len(Project::Status, 32))
                    .col(integer(Project::Version))
                    .col(timestamp_with_time_zone(Project::CreatedAt))
                    .col(timestamp_with_time_zone(Project::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_project_county")
                            .from(Project::Table, Project::CountyCode)
                            .to(Region::Table, Region::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_project_township")
                            .from(Project::Table, Project::TownshipCode)
                            .to(Region::Table, Region::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_project_department")
                            .from(Project::Table, Project::DepartmentId)
                            .to(Department::Table, Department::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            ("uq_project_county_code", vec![Project::CountyCode, Project::Code], true),
            (
                "idx_project_township",
                vec![Project::TownshipCode, Project::Year],
                false,
            ),
            (
                "idx_project_department",
                vec![Project::DepartmentId, Project::Status],
                false,
            ),
            (
                "idx_project_year_sector",
                vec![Project::Year, Project::Sector, Project::Status],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Project::Table);
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ProjectVillage::Table)
                    .col(big_integer(ProjectVillage::ProjectId))
                    .col(string_len(ProjectVillage::VillageCode, 12))
                    .primary_key(
                        Index::create()
                            .col(ProjectVillage::ProjectId)
                            .col(ProjectVillage::VillageCode),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_project_village_project")
                            .from(ProjectVillage::Table, ProjectVillage::ProjectId)
                            .to(Project::Table, Project::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_project_village_region")
                            .from(ProjectVillage::Table, ProjectVillage::VillageCode)
                            .to(Region::Table, Region::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_project_village_village")
                    .table(ProjectVillage::Table)
                    .col(ProjectVillage::VillageCode)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProjectEvent::Table)
                    .col(big_pk_auto(ProjectEvent::Id))
                    .col(big_integer(ProjectEvent::ProjectId))
                    .col(string_len(ProjectEvent::Action, 32))
                    .col(string_len_null(ProjectEvent::FromStatus, 32))
                    .col(string_len(ProjectEvent::ToStatus, 32))
                    .col(big_integer_null(ProjectEvent::ActorId))
                    .col(string_len(ProjectEvent::ActorUsername, 64))
                    .col(string_len(ProjectEvent::ActorRole, 16))
                    .col(timestamp_with_time_zone(ProjectEvent::OccurredAt))
                    .col(text_null(ProjectEvent::Comment))
                    .col(date_null(ProjectEvent::EventDate))
                    .col(string_len_null(ProjectEvent::Milestone, 32))
                    .col(string_len_null(ProjectEvent::Grade, 16))
                    .col(big_integer_null(ProjectEvent::DepartmentId))
                    .col(big_integer_null(ProjectEvent::QuantityMilli))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_project_event_project")
                            .from(ProjectEvent::Table, ProjectEvent::ProjectId)
                            .to(Project::Table, Project::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_project_event_project")
                    .table(ProjectEvent::Table)
                    .col(ProjectEvent::ProjectId)
                    .col(ProjectEvent::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProjectEvent::Table.into_iden(),
            ProjectVillage::Table.into_iden(),
            Project::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
