//! 负面清单 as data: a project's category (项目类别), which the negative list is written
//! in, filled from its sector; and the counties' own entries, each with its source.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Project {
    Table,
    Category,
}

#[derive(DeriveIden)]
enum NegativeListEntry {
    Table,
    Id,
    CountyCode,
    Category,
    FundKind,
    Source,
    Note,
    CreatedBy,
    CreatedAt,
}

/// Each sector's category, as `domain::category::ProjectCategory::default_for` gives it.
const BY_SECTOR: [(&str, &str); 9] = [
    ("ROAD", "ROAD"),
    ("DRINKING_WATER", "DRINKING_WATER"),
    ("CLINIC", "CLINIC"),
    ("POWER_GRID", "POWER_GRID"),
    ("EDUCATION", "SCHOOL"),
    ("TELECOM", "TELECOM"),
    ("INDUSTRY", "INDUSTRY"),
    ("HOUSING", "HOUSING"),
    ("OTHER", "OTHER"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Project::Table)
                    .add_column(string_len(Project::Category, 32).default("OTHER"))
                    .to_owned(),
            )
            .await?;
        let cases: String = BY_SECTOR
            .iter()
            .map(|(sector, category)| format!("WHEN '{sector}' THEN '{category}' "))
            .collect();
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE project SET category = CASE sector {cases}ELSE 'OTHER' END"
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NegativeListEntry::Table)
                    .col(big_pk_auto(NegativeListEntry::Id))
                    .col(string_len(NegativeListEntry::CountyCode, 12))
                    .col(string_len(NegativeListEntry::Category, 32))
                    .col(string_len(NegativeListEntry::FundKind, 32))
                    .col(string_len(NegativeListEntry::Source, 200))
                    .col(text_null(NegativeListEntry::Note))
                    .col(string_len(NegativeListEntry::CreatedBy, 64))
                    .col(timestamp_with_time_zone(NegativeListEntry::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_negative_list_entry")
                    .table(NegativeListEntry::Table)
                    .col(NegativeListEntry::CountyCode)
                    .col(NegativeListEntry::Category)
                    .col(NegativeListEntry::FundKind)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NegativeListEntry::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Project::Table)
                    .drop_column(Project::Category)
                    .to_owned(),
            )
            .await
    }
}
