"""Sales: products, deals (商机) with stage history, contracts with lines, payment plans and payments;
``customers.won_on``.

Revision ID: 0006
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False, primary_key=True)


def _fk(name: str, target: str, *, nullable: bool = False, cascade: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(target, ondelete="CASCADE" if cascade else None),
                     nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("won_on", sa.Date(), nullable=True))

    op.create_table(
        "products",
        _id(),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=True),
        sa.Column("spec", sa.String(), nullable=True),
        sa.Column("category", sa.String(), nullable=True),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_products_code", "products", ["code"], unique=True)

    op.create_table(
        "deals",
        _id(),
        _fk("customer_id", "customers.id", cascade=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("stage_since", sa.DateTime(), nullable=True),
        sa.Column("expected_close_on", sa.Date(), nullable=True),
        sa.Column("probability", sa.Integer(), nullable=False),
        _fk("owner_id", "users.id", nullable=True),
        sa.Column("lost_reason", sa.String(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_deals_customer_id", "deals", ["customer_id"])
    op.create_index("ix_deals_stage", "deals", ["stage"])
    op.create_index("ix_deals_expected_close_on", "deals", ["expected_close_on"])
    op.create_index("ix_deals_owner_stage", "deals", ["owner_id", "stage"])

    op.create_table(
        "deal_lines",
        _id(),
        _fk("deal_id", "deals.id", cascade=True),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("product_id", "products.id", nullable=True),
        sa.Column("quantity", sa.String(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("discount_bp", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
    )
    op.create_index("ix_deal_lines_deal_id", "deal_lines", ["deal_id"])

    op.create_table(
        "deal_stage_changes",
        _id(),
        _fk("deal_id", "deals.id", cascade=True),
        sa.Column("from_stage", sa.String(), nullable=True),
        sa.Column("to_stage", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("on", sa.Date(), nullable=True),
        _fk("user_id", "users.id", nullable=True),
    )
    op.create_index("ix_deal_stage_changes_deal_at", "deal_stage_changes", ["deal_id", "at"])
    op.create_index("ix_deal_stage_changes_to_stage", "deal_stage_changes", ["to_stage"])

    op.create_table(
        "contracts",
        _id(),
        sa.Column("number", sa.String(), nullable=False),
        _fk("customer_id", "customers.id", cascade=True),
        _fk("deal_id", "deals.id", nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        _fk("parent_id", "contracts.id", nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("notes", sa.String(), nullable=True),
        _fk("owner_id", "users.id", nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_contracts_number", "contracts", ["number"], unique=True)
    op.create_index("ix_contracts_customer_id", "contracts", ["customer_id"])
    op.create_index("ix_contracts_parent_id", "contracts", ["parent_id"])
    op.create_index("ix_contracts_end_on", "contracts", ["end_on"])
    op.create_index("ix_contracts_status", "contracts", ["status"])

    op.create_table(
        "contract_lines",
        _id(),
        _fk("contract_id", "contracts.id", cascade=True),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("product_id", "products.id", nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("quantity", sa.String(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("discount_bp", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
    )
    op.create_index("ix_contract_lines_contract_id", "contract_lines", ["contract_id"])

    op.create_table(
        "installments",
        _id(),
        _fk("contract_id", "contracts.id", cascade=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("paid_cents", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
    )
    op.create_index("ix_installments_contract_id", "installments", ["contract_id"])
    op.create_index("ix_installments_due_open", "installments", ["due_on", "paid_cents"])

    op.create_table(
        "payments",
        _id(),
        _fk("contract_id", "contracts.id", cascade=True),
        _fk("installment_id", "installments.id", nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("reference", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        _fk("user_id", "users.id", nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_payments_contract_id", "payments", ["contract_id"])
    op.create_index("ix_payments_received_on", "payments", ["received_on"])


def downgrade() -> None:
    for table in ("payments", "installments", "contract_lines", "contracts", "deal_stage_changes", "deal_lines",
                  "deals", "products"):
        op.drop_table(table)
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("won_on")
