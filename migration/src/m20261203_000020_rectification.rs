//! 问题整改台账 — the rectification ledger: each problem fed back by an inspection, an
//! audit or a self-check, what it concerns, and every step of its rectification with the
//! day it happened.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RectificationIssue {
    Table,
    Id,
    CountyCode,
    Source,
    Batch,
    BatchDocumentNo,
    BatchDate,
    Category,
    Description,
    UnitDepartmentId,
    UnitTownshipCode,
    ResponsiblePerson,
    ResponsibleUserId,
    Measures,
    Deadline,
    LastingMechanism,
    Status,
    FiledOn,
    Version,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RectificationConcern {
    Table,
    Id,
    IssueId,
    Kind,
    Reference,
}

#[derive(DeriveIden)]
enum RectificationEvent {
    Table,
    Id,
    IssueId,
    Action,
    FromStatus,
    ToStatus,
    ActorId,
    ActorUsername,
    ActorRole,
    HappenedOn,
    OccurredAt,
    Note,
    Evidence,
    Attachments,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use RectificationIssue as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(big_pk_auto(I::Id))
                    .col(string_len(I::CountyCode, 12))
                    .col(string_len(I::Source, 32))
                    .col(string_len(I::Batch, 100))
                    .col(string_len_null(I::BatchDocumentNo, 100))
                    .col(date_null(I::BatchDate))
                    .col(string_len(I::Category, 50))
                    .col(text(I::Description))
                    .col(big_integer_null(I::UnitDepartmentId))
                    .col(string_len_null(I::UnitTownshipCode, 12))
                    .col(string_len(I::ResponsiblePerson, 50))
                    .col(big_integer_null(I::ResponsibleUserId))
                    .col(text(I::Measures))
                    .col(date(I::Deadline))
                    .col(boolean(I::LastingMechanism).default(false))
                    .col(string_len(I::Status, 16))
                    .col(date(I::FiledOn))
                    .col(integer(I::Version).default(1))
                    .col(string_len(I::CreatedBy, 64))
                    .col(timestamp_with_time_zone(I::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_rectification_issue_county", I::CountyCode),
            ("ix_rectification_issue_department", I::UnitDepartmentId),
            ("ix_rectification_issue_township", I::UnitTownshipCode),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(I::Table)
                        .col(column)
                        .col(I::Id)
                        .to_owned(),
                )
                .await?;
        }
        use RectificationConcern as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(big_pk_auto(C::Id))
                    .col(big_integer(C::IssueId))
                    .col(string_len(C::Kind, 16))
                    .col(string_len(C::Reference, 40))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rectification_concern_issue")
                    .table(C::Table)
                    .col(C::IssueId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rectification_concern_ref")
                    .table(C::Table)
                    .col(C::Kind)
                    .col(C::Reference)
                    .to_owned(),
            )
            .await?;
        use RectificationEvent as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(big_pk_auto(E::Id))
                    .col(big_integer(E::IssueId))
                    .col(string_len(E::Action, 32))
                    .col(string_len_null(E::FromStatus, 16))
                    .col(string_len(E::ToStatus, 16))
                    .col(big_integer_null(E::ActorId))
                    .col(string_len(E::ActorUsername, 64))
                    .col(string_len(E::ActorRole, 16))
                    .col(date(E::HappenedOn))
                    .col(timestamp_with_time_zone(E::OccurredAt))
                    .col(text_null(E::Note))
                    .col(text_null(E::Evidence))
                    .col(text_null(E::Attachments))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rectification_event_issue")
                    .table(E::Table)
                    .col(E::IssueId)
                    .col(E::HappenedOn)
                    .col(E::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["rectification_event", "rectification_concern", "rectification_issue"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
