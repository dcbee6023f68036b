//! The foundation: the region tree, departments, users and the audit trail.
//!
//! Enumerations (levels, roles, sectors) are stored as their English names in text
//! columns so that the same SQL runs on SQLite and PostgreSQL; the domain parses them.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Region {
    Table,
    Code,
    Name,
    Level,
    ParentCode,
    IsPovertyVillage,
    PoorHouseholds,
    PoorPeople,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Department {
    Table,
    Id,
    CountyCode,
    Name,
    Kind,
    Sectors,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    RegionCode,
    DepartmentId,
    Disabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditEntry {
    Table,
    Id,
    OccurredAt,
    ActorId,
    ActorUsername,
    ActorRole,
    Action,
    EntityType,
    EntityId,
    RegionCode,
    Before,
    After,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Region::Table)
                    .col(string_len(Region::Code, 12).primary_key())
                    .col(string(Region::Name))
                    .col(string_len(Region::Level, 16))
                    .col(string_len_null(Region::ParentCode, 12))
                    .col(boolean(Region::IsPovertyVillage).default(false))
                    .col(integer(Region::PoorHouseholds).default(0))
                    .col(integer(Region::PoorPeople).default(0))
                    .col(timestamp_with_time_zone(Region::CreatedAt))
                    .col(timestamp_with_time_zone(Region::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_region_parent")
                            .from(Region::Table, Region::ParentCode)
                            .to(Region::Table, Region::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_region_parent")
                    .table(Region::Table)
                    .col(Region::ParentCode)
                    .col(Region::Code)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Department::Table)
                    .col(big_pk_auto(Department::Id))
                    .col(string_len(Department::CountyCode, 12))
                    .col(string(Department::Name))
                    .col(string_len(Department::Kind, 32))
                    .col(string(Department::Sectors))
                    .col(timestamp_with_time_zone(Department::CreatedAt))
                    .col(timestamp_with_time_zone(Department::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_department_county")
                            .from(Department::Table, Department::CountyCode)
                            .to(Region::Table, Region::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_department_county_name")
                    .table(Department::Table)
                    .col(Department::CountyCode)
                    .col(Department::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AppUser::Table)
                    .col(big_pk_auto(AppUser::Id))
                    .col(string_len_uniq(AppUser::Username, 64))
                    .col(string(AppUser::DisplayName))
                    .col(string(AppUser::PasswordHash))
                    .col(string_len(AppUser::Role, 16))
                    .col(string_len(AppUser::RegionCode, 12))
                    .col(big_integer_null(AppUser::DepartmentId))
                    .col(boolean(AppUser::Disabled).default(false))
                    .col(timestamp_with_time_zone(AppUser::CreatedAt))
                    .col(timestamp_with_time_zone(AppUser::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_region")
                            .from(AppUser::Table, AppUser::RegionCode)
                            .to(Region::Table, Region::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_department")
                            .from(AppUser::Table, AppUser::DepartmentId)
                            .to(Department::Table, Department::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEntry::Table)
                    .col(big_pk_auto(AuditEntry::Id))
                    .col(timestamp_with_time_zone(AuditEntry::OccurredAt))
                    .col(big_integer_null(AuditEntry::ActorId))
                    .col(string_len(AuditEntry::ActorUsername, 64))
                    .col(string_len(AuditEntry::ActorRole, 16))
                    .col(string_len(AuditEntry::Action, 64))
                    .col(string_len(AuditEntry::EntityType, 32))
                    .col(string_len(AuditEntry::EntityId, 64))
                    .col(string_len_null(AuditEntry::RegionCode, 12))
                    .col(text_null(AuditEntry::Before))
                    .col(text_null(AuditEntry::After))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_entity")
                    .table(AuditEntry::Table)
                    .col(AuditEntry::EntityType)
                    .col(AuditEntry::EntityId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_occurred")
                    .table(AuditEntry::Table)
                    .col(AuditEntry::OccurredAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEntry::Table.into_iden(),
            AppUser::Table.into_iden(),
            Department::Table.into_iden(),
            Region::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
