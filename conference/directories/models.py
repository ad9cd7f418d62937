from flask_babel import get_locale
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.extensions import db

SUBJECT_KINDS = ("republic", "krai", "oblast", "federal_city", "autonomous_oblast", "autonomous_okrug")


class LocalizedName:
    """Rows named in Russian and English; `name` follows the language of the page."""

    name_ru: Mapped[str]
    name_en: Mapped[str]

    @property
    def name(self) -> str:
        locale = get_locale()
        if locale is not None and locale.language == "en":
            return self.name_en or self.name_ru
        return self.name_ru

    def __str__(self) -> str:
        return self.name


class FederalDistrict(LocalizedName, db.Model):
    __tablename__ = "federal_district"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name_ru: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(default=0)

    subjects: Mapped[list["FederalSubject"]] = relationship(
        back_populates="district", order_by="FederalSubject.name_ru"
    )


class FederalSubject(LocalizedName, db.Model):
    """A subject of the Russian Federation (Article 65 of the Constitution)."""

    __tablename__ = "federal_subject"
    __table_args__ = (
        CheckConstraint(f"kind IN {SUBJECT_KINDS}", name="kind"),
        CheckConstraint("latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180", name="coordinates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    iso_code: Mapped[str | None] = mapped_column(String(10), unique=True)
    name_ru: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(20))
    district_id: Mapped[int] = mapped_column(ForeignKey("federal_district.id", ondelete="RESTRICT"), index=True)
    capital_ru: Mapped[str] = mapped_column(String(100))
    # «от Южно-Сахалинска до Калининграда»: reports write the centre after «от» and «до», in the genitive.
    capital_genitive_ru: Mapped[str] = mapped_column(String(100), default="", server_default="")
    capital_en: Mapped[str] = mapped_column(String(100))
    latitude: Mapped[float]
    longitude: Mapped[float]
    sort_order: Mapped[int] = mapped_column(default=0)

    district: Mapped[FederalDistrict] = relationship(back_populates="subjects")

    @property
    def capital(self) -> str:
        locale = get_locale()
        return self.capital_en if locale is not None and locale.language == "en" else self.capital_ru


class Country(LocalizedName, db.Model):
    __tablename__ = "country"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(2), unique=True)  # ISO 3166-1 alpha-2
    name_ru: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))


class OrganizationType(LocalizedName, db.Model):
    __tablename__ = "organization_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ru: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
