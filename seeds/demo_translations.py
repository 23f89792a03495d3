"""Spanish for the demo: the common agenda, indicators, shared measures, the disaggregation
vocabulary and a few of Casa de la Familia's measures, in the words a bilingual table uses.

Deliberately incomplete (most partners' measures stay English-only) so that
`missingTranslations` has something to show. Ids come from the same keys as the rows.
"""

from __future__ import annotations

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from seeds.demo import demo_id
from services.translations.models import Translation

# (subject kind, demo id parts, field, Spanish text)
SPANISH: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("domain", ("domain", "education"), "name", "Educación"),
    ("domain", ("domain", "education"), "description", "Desde el nacimiento hasta tercer grado."),
    ("domain", ("domain", "housing"), "name", "Vivienda"),
    ("domain", ("domain", "housing"), "description", "Hogares estables y asequibles."),
    ("domain", ("domain", "digital"), "name", "Inclusión digital"),
    ("domain", ("domain", "digital"), "description",
     "Dispositivos, internet en casa y las habilidades para usarlos."),
    ("domain", ("domain", "health"), "name", "Salud"),
    ("domain", ("domain", "health"), "description", "Atención médica, nutrición y bienestar."),
    ("result", ("result", "ready"), "statement",
     "Todos los niños de Riverside entran al kínder listos para aprender"),
    ("result", ("result", "reading"), "statement",
     "Todos los niños de Riverside leen al nivel de su grado al terminar el tercer grado"),
    ("result", ("result", "housed"), "statement",
     "Todas las familias de Riverside tienen una vivienda segura, estable y asequible"),
    ("result", ("result", "connected"), "statement",
     "Todos los hogares de Riverside tienen internet asequible en casa"),
    ("result", ("result", "healthy"), "statement",
     "Todos los niños de Riverside están sanos y reciben la atención que necesitan"),
    ("result", ("result", "fed"), "statement", "Nadie en Riverside pasa hambre"),
    ("indicator", ("indicator", "kready"), "name", "% de niños evaluados listos para el kínder"),
    ("indicator", ("indicator", "kready"), "definition",
     "Niños de kínder que alcanzan el nivel de preparación en los cinco ámbitos de la "
     "evaluación de ingreso al kínder de otoño."),
    ("indicator", ("indicator", "funding"), "name", "Financiamiento por alumno"),
    ("indicator", ("indicator", "funding"), "definition",
     "Gasto por escuela por alumno inscrito, promediado entre los alumnos de cada grupo."),
    ("indicator", ("indicator", "cost_burden"), "name",
     "Hogares con carga severa por costo de vivienda"),
    ("indicator", ("indicator", "cost_burden"), "definition",
     "Hogares que gastan más de la mitad de sus ingresos en vivienda."),
    ("indicator", ("indicator", "evictions"), "name", "Demandas de desalojo"),
    ("indicator", ("indicator", "evictions"), "definition",
     "Casos de desalojo residencial presentados en el trimestre."),
    ("indicator", ("indicator", "broadband"), "name", "Hogares sin internet de banda ancha"),
    ("indicator", ("indicator", "broadband"), "definition",
     "Hogares sin suscripción a internet fijo, por cable o inalámbrico, en casa."),
    ("indicator", ("indicator", "well_child"), "name",
     "Niños pequeños con una consulta de niño sano en el último año"),
    ("indicator", ("indicator", "well_child"), "definition",
     "Niños menores de seis años con una consulta de niño sano en los 12 meses previos al "
     "cierre del trimestre."),
    ("shared_measure", ("shared_measure", "home_visiting"), "name",
     "Familias que completan el programa de visitas al hogar"),
    ("shared_measure", ("shared_measure", "home_visiting"), "definition",
     "Familias que completan todo el plan de visitas al hogar en el trimestre."),
    ("shared_measure", ("shared_measure", "screened"), "name", "Niños evaluados a tiempo"),
    ("shared_measure", ("shared_measure", "screened"), "definition",
     "Niños con una evaluación del desarrollo (ASQ-3) a la edad recomendada."),
    ("shared_measure", ("shared_measure", "internet"), "name",
     "Hogares conectados a internet en casa"),
    ("shared_measure", ("shared_measure", "internet"), "definition",
     "Hogares con una nueva suscripción a internet en casa y aún conectados a los 90 días."),
    ("dimension", ("dimension", "race_ethnicity"), "name", "Raza y etnicidad"),
    ("dimension", ("dimension", "race_ethnicity_detailed"), "name",
     "Raza y etnicidad (detallada)"),
    ("dimension", ("dimension", "income"), "name", "Ingreso del hogar"),
    ("dimension", ("dimension", "neighborhood"), "name", "Vecindario"),
    ("dimension", ("dimension", "language"), "name", "Idioma del hogar"),
    ("performance_measure", ("measure", "casa.enrolled"), "name",
     "Familias inscritas en visitas al hogar"),
    ("performance_measure", ("measure", "casa.completed"), "name",
     "Familias que completan el programa de visitas al hogar"),
    ("performance_measure", ("measure", "casa.screened"), "name", "Niños evaluados a tiempo"),
    ("performance_measure", ("measure", "digital.connected"), "name",
     "Hogares conectados a internet en casa"),
    ("dashboard", ("dashboard", "community-dashboard"), "title", "Riverside Prospera"),
    ("dashboard", ("dashboard", "community-dashboard"), "description",
     "Cómo les va a los niños y las familias de Riverside, y lo que aportan los socios."),
    ("dashboard_panel", ("panel", "community-dashboard", "0"), "title", "Listos para el kínder"),
    ("dashboard_panel", ("panel", "community-dashboard", "1"), "title",
     "Brechas en la preparación"),
    ("dashboard_panel", ("panel", "community-dashboard", "2"), "title",
     "Niños latinos listos"),
    ("dashboard_panel", ("panel", "community-dashboard", "4"), "title",
     "Evaluados a tiempo (Casa)"),
    ("dashboard_panel", ("panel", "community-dashboard", "7"), "title",
     "Banda ancha en casa (miembros)"),
    ("dashboard_panel", ("panel", "community-dashboard", "8"), "title",
     "Evaluados a tiempo por raza y etnicidad"),
    ("dashboard", ("dashboard", "partner-progress"), "title", "Avance de los socios"),
    ("dashboard", ("dashboard", "partner-progress"), "description",
     "Solo para miembros: las medidas que los socios comparten con la mesa."),
)  # fmt: skip

# (dimension key, category key, Spanish label); neighborhood names stay as they are.
CATEGORY_LABELS = (
    ("race_ethnicity", "latino", "Latino/a"),
    ("race_ethnicity", "black", "Negro/a o afroamericano/a"),
    ("race_ethnicity", "asian", "Asiático/a o asiático-americano/a"),
    ("race_ethnicity", "white", "Blanco/a"),
    ("race_ethnicity", "native", "Nativo/a americano/a o nativo/a de Alaska"),
    ("race_ethnicity", "multiracial", "Multirracial"),
    ("race_ethnicity_detailed", "mexican", "Mexicano/a"),
    ("race_ethnicity_detailed", "salvadoran", "Salvadoreño/a"),
    ("race_ethnicity_detailed", "guatemalan", "Guatemalteco/a"),
    ("race_ethnicity_detailed", "somali", "Somalí"),
    ("race_ethnicity_detailed", "african_american", "Afroamericano/a"),
    ("race_ethnicity_detailed", "vietnamese", "Vietnamita"),
    ("race_ethnicity_detailed", "hmong", "Hmong"),
    ("income", "low", "Bajo (menos del 200% del umbral de pobreza)"),
    ("income", "moderate", "Moderado (200-400% del umbral de pobreza)"),
    ("income", "high", "Más alto (más del 400% del umbral de pobreza)"),
    ("neighborhood", "eastside", "Eastside"),
    ("neighborhood", "northside", "Northside"),
    ("neighborhood", "riverbend", "Riverbend"),
    ("neighborhood", "downtown", "Downtown"),
    ("language", "english", "Inglés"),
    ("language", "spanish", "Español"),
    ("language", "other", "Otro idioma"),
)


async def seed_translations(session: AsyncSession, collaborative_id: UUID) -> None:
    """Add the Spanish texts (the demo's default language is English)."""

    def row(kind: str, subject_id: UUID, field: str, text: str) -> Translation:
        return Translation(
            collaborative_id=collaborative_id,
            id=demo_id("translation", str(subject_id), field, "es"),
            subject_kind=kind,
            subject_id=subject_id,
            field=field,
            language="es",
            text=text,
        )

    session.add_all(row(kind, demo_id(*parts), field, text) for kind, parts, field, text in SPANISH)
    session.add_all(
        row("dimension_category", demo_id("category", dimension, category), "label", label)
        for dimension, category, label in CATEGORY_LABELS
    )
    await session.flush()
