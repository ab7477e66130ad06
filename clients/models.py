import datetime as dt
import uuid
from pathlib import Path
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from audit.fields import actor_field

from .contacts import validate_client_email, validate_client_phone
from .encryption import (
    EncryptedCharField,
    EncryptedDateField,
    KeyedHashField,
    keyed_hashes,
)
from .fields import (
    cooperative_field,
    optional_link,
    provider_field,
    set_when,
    status_field,
    status_is,
)
from .validators import (
    mask_iban,
    validate_bic,
    validate_iban,
    validate_siren,
    validate_siret,
    validate_vat_number,
)

mobile_phone_validator = RegexValidator(
    r"^(0|\+33)[67]\d{8}$",
    "Numéro de mobile attendu : 06 ou 07 suivi de 8 chiffres, sans espaces.",
)
postal_code_validator = RegexValidator(r"^\d{5}$", "Code postal : 5 chiffres.")
insee_commune_validator = RegexValidator(
    r"^\d[\dAB]\d{3}$", "Code INSEE de commune : 5 caractères (ex. 69123, 2A004)."
)
insee_country_validator = RegexValidator(
    r"^99\d{3}$", "Code pays INSEE : 5 chiffres commençant par 99 (France : 99100)."
)
FRENCH_BIRTH_NEEDS_PLACE = "Pour une naissance en France, le département et la commune sont requis."


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    PROVIDER = "provider", "Prestataire"
    STAFF = "staff", "Équipe de la coopérative"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.STAFF)
        return self._create_user(email, password, **extra)


class LowercaseEmailField(models.EmailField):
    """An e-mail address kept in lower case: saved so, and looked up so.

    People type their address with capitals now and then (`Alice@Demo.coop`); a login, a
    password reset or a uniqueness check must not depend on it.
    """

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str) and value != value.lower():
            value = value.lower()
            setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value.lower() if isinstance(value, str) else value


class User(AbstractUser):
    """A person who logs in with their e-mail address; the role decides what they see."""

    # Logins are by e-mail: AbstractUser's username column is dropped (and its manager replaced).
    username = None  # type: ignore[assignment]
    email = LowercaseEmailField("adresse e-mail", unique=True)
    role = models.CharField("rôle", max_length=16, choices=Role.choices, default=Role.CLIENT)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        verbose_name = "utilisateur"
        constraints = [
            # With the lower-case field, the unique constraint is a case-insensitive one.
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT and hasattr(self, "client")

    @property
    def is_provider(self) -> bool:
        return self.role == Role.PROVIDER and hasattr(self, "provider")

    @property
    def is_cooperative_staff(self) -> bool:
        return self.role == Role.STAFF and self.is_staff


# --- Links sent to a client's recorded contact --------------------------------------------------


class ContactChannel(models.TextChoices):
    """How a link reaches the client: the contact recorded on their client record."""

    EMAIL = "email", "E-mail"


class ClientTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class ClientToken(models.Model):
    """A single-use link sent to the client's recorded contact. Only its hash is stored."""

    # NULL until the link is minted (a link request is sent by a task): unique among the set.
    token_hash = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False, verbose_name="empreinte du jeton"
    )
    channel = models.CharField(
        "envoyé par", max_length=8, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    sent_to = models.CharField("envoyé à", max_length=254, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    expires_at = models.DateTimeField("valable jusqu'au")
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)

    objects = ClientTokenQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class InvitationOrigin(models.TextChoices):
    SIGNUP = "signup", "Demandée par le client (page d'inscription)"
    PROVIDER = "provider", "Envoyée par un prestataire"


class AccountInvitation(ClientToken):
    """A link to open the client's portal account, sent to the contact on their record."""

    client = models.ForeignKey(
        "Client",
        on_delete=models.CASCADE,
        related_name="account_invitations",
        verbose_name="client",
    )
    origin = models.CharField("origine", max_length=16, choices=InvitationOrigin.choices)
    sent_by = actor_field("envoyée par")

    class Meta:
        verbose_name = "invitation à créer l'espace client"
        verbose_name_plural = "invitations à créer l'espace client"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(token_hash__isnull=False), name="account_invitation_has_token"
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation n° {self.pk} — {self.client}"


class LinkRequestState(models.TextChoices):
    PENDING = "pending", "En attente de la réponse du client"
    ACCEPTED = "accepted", "Acceptée par le client"
    DECLINED = "declined", "Refusée par le client"
    APPROVED = "approved", "Approuvée par l'équipe"
    REJECTED = "rejected", "Refusée par l'équipe"


class ClientLinkRequest(ClientToken):
    """A provider asks to join a client record that already exists: the client decides.

    Created when a provider records someone under an e-mail the cooperative already knows.
    The provider works on the record he created meanwhile (`duplicate`) and is told nothing
    either way; the client accepts or declines from the link (or the staff decide).
    """

    client = models.ForeignKey(
        "Client", on_delete=models.CASCADE, related_name="link_requests", verbose_name="fiche"
    )
    provider = provider_field("+")
    duplicate = optional_link("Client", "fiche créée par le prestataire", on_delete=models.SET_NULL)
    state = status_field(LinkRequestState.PENDING, "état", db_index=True)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = actor_field("décidée par")

    class Meta:
        verbose_name = "demande de rattachement d'un prestataire"
        verbose_name_plural = "demandes de rattachement de prestataires"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "provider"],
                condition=Q(state="pending"),
                name="one_pending_link_request_per_provider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} → {self.client}"


class VatReturnFrequency(models.TextChoices):
    """How often the cooperative files its VAT returns; e-reporting periods follow it."""

    NOT_REGISTERED = "none", "Non assujettie à la TVA"
    MONTHLY = "monthly", "Mensuelle"
    QUARTERLY = "quarterly", "Trimestrielle"
    ANNUAL = "annual", "Annuelle (régime simplifié)"


LOGO_MAX_BYTES = 500 * 1024


def logo_path(instance, filename: str) -> str:
    """A new name per upload, so browsers never keep showing a replaced logo."""
    return f"cooperative/logo-{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


def validate_logo_size(file) -> None:
    if file.size > LOGO_MAX_BYTES:
        raise ValidationError("Le logo ne doit pas dépasser 500 Ko.")


class Cooperative(models.Model):
    """The organisation that holds the SAP declaration and issues every invoice."""

    legal_name = models.CharField("raison sociale", max_length=200)
    address_line = models.CharField("adresse", max_length=200)
    postal_code = models.CharField("code postal", max_length=5, validators=[postal_code_validator])
    city = models.CharField("ville", max_length=100)
    siren = models.CharField("SIREN", max_length=9, validators=[validate_siren])
    sap_number = models.CharField(
        "numéro de déclaration SAP",
        max_length=20,
        validators=[RegexValidator(r"^SAP\d{9}$", "Format attendu : SAP suivi de 9 chiffres.")],
    )
    sap_declaration_date = models.DateField("date de déclaration SAP")
    email = models.EmailField("e-mail de contact")
    phone = models.CharField("téléphone", max_length=20)
    signatory_name = models.CharField("nom du signataire", max_length=120, blank=True)
    signatory_title = models.CharField("qualité du signataire", max_length=120, blank=True)
    vat_number = models.CharField(
        "numéro de TVA intracommunautaire",
        max_length=13,
        blank=True,
        validators=[validate_vat_number],
        help_text="Imprimé sur les factures et les avoirs d'une coopérative assujettie à la TVA.",
    )
    vat_return_frequency = models.CharField(
        "déclarations de TVA",
        max_length=10,
        choices=VatReturnFrequency.choices,
        default=VatReturnFrequency.NOT_REGISTERED,
        help_text="Fixe aussi les périodes de l'e-reporting ; non assujettie : rien n'est produit.",
    )
    logo = models.ImageField(
        "logo",
        upload_to=logo_path,
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "webp"]), validate_logo_size],
        help_text="Affiché en tête du portail, à côté du nom (PNG, JPEG ou WebP, 500 Ko au plus).",
    )

    class Meta:
        verbose_name = "coopérative"
        constraints = [
            # The portal serves one cooperative: a second row would make numbering ambiguous.
            models.UniqueConstraint(models.Value(True), name="one_cooperative_only"),
        ]

    def __str__(self) -> str:
        return self.legal_name

    @classmethod
    def current(cls) -> "Cooperative":
        return cls.objects.get()

    @property
    def full_address(self) -> str:
        return f"{self.address_line}, {self.postal_code} {self.city}"

    @property
    def is_vat_registered(self) -> bool:
        return self.vat_return_frequency != VatReturnFrequency.NOT_REGISTERED

    def clean(self) -> None:
        super().clean()
        if self.is_vat_registered and not self.vat_number:
            raise ValidationError(
                {"vat_number": "Une coopérative assujettie à la TVA doit indiquer son numéro."}
            )
        if self.vat_number and self.siren and self.vat_number[4:] != self.siren:
            raise ValidationError(
                {"vat_number": "Ce numéro de TVA ne correspond pas au SIREN de la coopérative."}
            )


class ProviderQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Provider(models.Model):
    """A cooperative member who performs the services and issues invoices."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="code")
    cooperative = cooperative_field("providers")
    user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="provider", verbose_name="compte utilisateur"
    )
    first_name = models.CharField("prénom", max_length=80)
    last_name = models.CharField("nom", max_length=80)
    trade_name = models.CharField("nom commercial", max_length=120, blank=True)
    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[validate_siret])
    worker_reference = models.CharField(
        "référence intervenant",
        max_length=20,
        unique=True,
        help_text="Identifiant interne de l'intervenant, imprimé sur les factures et attestations.",
    )
    phone = models.CharField("téléphone", max_length=20, blank=True)
    # Bank details are encrypted at rest (clients/encryption.py).
    payout_iban = EncryptedCharField("IBAN de versement", max_length=34, validators=[validate_iban])
    payout_bic = EncryptedCharField("BIC de versement", max_length=11, validators=[validate_bic])
    # `provider.natures` (the activities the provider may invoice) is declared by the invoices
    # app on ServiceNature.providers: it builds on this app, never the other way round.
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="date de création")

    objects = ProviderQuerySet.as_manager()

    class Meta:
        verbose_name = "prestataire"
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}"
        return f"{self.trade_name} ({name})" if self.trade_name else name

    @property
    def masked_payout_iban(self) -> str:
        return mask_iban(self.payout_iban)


class Civility(models.TextChoices):
    # The values are URSSAF's: "1" masculin, "2" féminin (API Tiers de prestation, civilite).
    MONSIEUR = "1", "Monsieur"
    MADAME = "2", "Madame"


FRANCE_INSEE_CODE = "99100"
# URSSAF's activation link is valid 7 days (tax/RULES.md §3); past it the registration expires.
AI_ACTIVATION_LINK_VALIDITY = dt.timedelta(days=7)


class AIStatus(models.TextChoices):
    """Where the client stands with the URSSAF avance immédiate."""

    NOT_REGISTERED = "not_registered", "Non inscrit"
    SENT = "sent", "Inscription envoyée"
    AWAITING_ACTIVATION = "awaiting_activation", "En attente d'activation"
    ACTIVE = "active", "Avance immédiate active"
    FAILED = "failed", "Inscription en échec"
    INELIGIBLE = "ineligible", "Non éligible"


class ClientQuerySet(models.QuerySet):
    def for_provider(self, provider: Provider):
        return self.filter(providers=provider)

    def with_birth_date(self, day: dt.date):
        """Clients born on `day`: the birth date is encrypted, its keyed hash is searched."""
        return self.filter(birth_date_hash__in=keyed_hashes("birth_date", day))

    def ai_active(self):
        return self.filter(ai_status=AIStatus.ACTIVE)


def street_type_choices() -> list[tuple[str, str]]:
    """Return URSSAF's street types (defined at the end of this module) by label."""
    return sorted(STREET_TYPES.items(), key=lambda item: item[1])


class Client(models.Model):
    """A private individual who buys services from the cooperative's members."""

    # The groups of fields URSSAF identifies a client by (API.md §4), in the order every form
    # and the admin show them.
    IDENTITY_FIELDS = (
        "civility",
        "birth_name",
        "usage_name",
        "first_names",
        "birth_date",
        "birth_country_code",
        "birth_department",
        "birth_commune_code",
        "birth_commune_label",
    )
    ADDRESS_FIELDS = (
        "street_number",
        "street_letter",
        "street_type",
        "street_name",
        "address_complement",
        "lieu_dit",
        "postal_code",
        "city",
        "city_insee_code",
    )

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="code")
    cooperative = cooperative_field("clients")
    user = optional_link(
        User,
        "compte utilisateur",
        on_delete=models.SET_NULL,
        related_name="client",
        one_to_one=True,
    )
    providers = models.ManyToManyField(
        Provider, related_name="clients", verbose_name="prestataires", blank=True
    )

    civility = models.CharField("civilité", max_length=1, choices=Civility.choices)
    birth_name = models.CharField("nom de naissance", max_length=80)
    usage_name = models.CharField("nom d'usage", max_length=80, blank=True)
    first_names = models.CharField(
        "prénoms", max_length=80, help_text="Tous les prénoms, dans l'ordre de l'état civil."
    )
    # Birth date and place are encrypted at rest (clients/encryption.py); the name is not: it is
    # printed on every document, sorted and searched. `with_birth_date` searches the date.
    birth_date = EncryptedDateField("date de naissance")
    birth_date_hash = KeyedHashField(
        source="birth_date", db_index=True, verbose_name="empreinte de la date de naissance"
    )
    birth_country_code = EncryptedCharField(
        "pays de naissance (code INSEE)",
        max_length=5,
        default=FRANCE_INSEE_CODE,
        validators=[insee_country_validator],
    )
    birth_department = EncryptedCharField("département de naissance", max_length=3, blank=True)
    birth_commune_code = EncryptedCharField(
        "commune de naissance (code INSEE)",
        max_length=5,
        blank=True,
        validators=[insee_commune_validator],
    )
    birth_commune_label = EncryptedCharField("commune de naissance", max_length=50, blank=True)

    email = models.EmailField("e-mail", validators=[validate_client_email])
    mobile_phone = models.CharField(
        "téléphone mobile",
        max_length=12,
        validators=[mobile_phone_validator, validate_client_phone],
    )
    street_number = models.CharField("numéro", max_length=20, blank=True)
    street_letter = models.CharField(
        "indice de répétition",
        max_length=1,
        blank=True,
        choices=[("B", "bis"), ("T", "ter"), ("Q", "quater"), ("C", "quinquies")],
    )
    street_type = models.CharField(
        "type de voie",
        max_length=4,
        blank=True,
        choices=street_type_choices,
        help_text="Code URSSAF, ex. R pour rue.",
    )
    street_name = models.CharField("libellé de la voie", max_length=28, blank=True)
    address_complement = models.CharField("complément d'adresse", max_length=38, blank=True)
    lieu_dit = models.CharField("lieu-dit", max_length=38, blank=True)
    postal_code = models.CharField("code postal", max_length=5, validators=[postal_code_validator])
    city = models.CharField("commune", max_length=50)
    city_insee_code = models.CharField(
        "code INSEE de la commune", max_length=5, validators=[insee_commune_validator]
    )

    apa_beneficiary = models.BooleanField("bénéficiaire de l'APA", default=False)
    pch_beneficiary = models.BooleanField("bénéficiaire de la PCH", default=False)
    has_filed_tax_return = models.BooleanField(
        "a déjà déposé une déclaration de revenus", default=False
    )

    # The account URSSAF debits for the client's share: needed to send the registration from a
    # worker, never shown in full once entered (see `masked_iban`).
    iban = EncryptedCharField("IBAN", max_length=34, blank=True, validators=[validate_iban])
    bic = EncryptedCharField("BIC", max_length=11, blank=True, validators=[validate_bic])
    account_holder = models.CharField("titulaire du compte", max_length=100, blank=True)

    # Avance immédiate: the current state; every attempt is kept in its own records.
    ai_status = status_field(
        AIStatus.NOT_REGISTERED, "avance immédiate", max_length=24, db_index=True
    )
    urssaf_id_client = models.CharField("identifiant URSSAF (idClient)", max_length=64, blank=True)
    ai_sent_at = models.DateTimeField("inscription envoyée le", null=True, blank=True)
    ai_awaiting_since = models.DateTimeField(
        "en attente d'activation depuis", null=True, blank=True
    )
    # The day URSSAF reports the link active: no payment request may cover services before it.
    ai_activated_on = models.DateField("avance immédiate active depuis le", null=True, blank=True)
    # The moment, to the minute, when URSSAF's statut.description carries a time of day
    # (API.md §0.2): a service of the activation day counts only from then on.
    ai_activated_at = models.DateTimeField(
        "avance immédiate active depuis (heure)", null=True, blank=True
    )
    ai_failed_at = models.DateTimeField("échec le", null=True, blank=True)
    ai_status_note = models.TextField("motif (échec, inéligibilité)", blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="date de création")

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = "client"
        ordering = ["birth_name", "first_names"]
        constraints = [
            models.UniqueConstraint(
                fields=["urssaf_id_client"],
                condition=~Q(urssaf_id_client=""),
                name="client_urssaf_id_unique",
            ),
            set_when(
                "ai_activated_on",
                ai_status=AIStatus.ACTIVE,
                name="client_ai_active_has_activation_date",
            ),
            models.CheckConstraint(
                condition=~Q(ai_status=AIStatus.AWAITING_ACTIVATION) | ~Q(urssaf_id_client=""),
                name="client_ai_awaiting_has_urssaf_id",
            ),
            # The country is encrypted, so the database cannot tell a birth in France (see
            # `clean`); it still sees whether the place fields are filled (empty stays empty).
            models.CheckConstraint(
                condition=Q(birth_department="", birth_commune_code="")
                | (~Q(birth_department="") & ~Q(birth_commune_code="")),
                name="client_birth_place_department_with_commune",
                violation_error_message=FRENCH_BIRTH_NEEDS_PLACE,
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        born_in_france = self.birth_country_code == FRANCE_INSEE_CODE
        if born_in_france and not (self.birth_department and self.birth_commune_code):
            raise ValidationError(FRENCH_BIRTH_NEEDS_PLACE)

    has_active_ai = status_is(AIStatus.ACTIVE, field="ai_status")

    @property
    def ai_active_since(self) -> dt.datetime | None:
        """Return the moment the avance immédiate became active, to the minute.

        Without a recorded time (URSSAF's description gave only the day), the start of that
        day in Paris.
        """
        if self.ai_activated_at is not None:
            return self.ai_activated_at
        if self.ai_activated_on is None:
            return None
        midnight = dt.datetime.combine(self.ai_activated_on, dt.time())
        return timezone.make_aware(midnight, timezone.get_default_timezone())

    @property
    def ai_activation_deadline(self) -> dt.datetime | None:
        """Return when URSSAF's activation link expires, for a registration awaiting it."""
        if self.ai_status != AIStatus.AWAITING_ACTIVATION or self.ai_awaiting_since is None:
            return None
        return self.ai_awaiting_since + AI_ACTIVATION_LINK_VALIDITY

    @property
    def masked_iban(self) -> str:
        return mask_iban(self.iban) if self.iban else ""

    @property
    def last_name(self) -> str:
        return self.usage_name or self.birth_name

    @property
    def birth_country_label(self) -> str:
        from .countries import country_label  # the list reads a data file: only when shown

        return country_label(self.birth_country_code)

    @property
    def full_name(self) -> str:
        return f"{self.get_civility_display()} {self.first_names.split(' ')[0]} {self.last_name}"

    @property
    def address_lines(self) -> list[str]:
        street = " ".join(
            part
            for part in (
                self.street_number + self.street_letter,
                self.get_street_type_label(),
                self.street_name,
            )
            if part
        )
        lines = [line for line in (street, self.address_complement, self.lieu_dit) if line]
        lines.append(f"{self.postal_code} {self.city}")
        return lines

    def get_street_type_label(self) -> str:
        return STREET_TYPES.get(self.street_type, self.street_type)


# URSSAF's list of street-type codes (codeTypeVoie), from a client citing the official PDF
# v1-1-1 (shared/urssaf/API.md §0.1). Any other code, such as QUA or CRS, is refused with
# ERR_CONTACT_ADRESSE_TYPE_VOIE.
STREET_TYPES = {
    "ALL": "allée",
    "AV": "avenue",
    "BAT": "bâtiment",
    "BD": "boulevard",
    "C": "cours",
    "CAN": "canal",
    "CHE": "chemin",
    "CHS": "chaussée",
    "CI": "cité",
    "CL": "clos",
    "COG": "cottage",
    "FG": "faubourg",
    "HAM": "hameau",
    "IMB": "immeuble",
    "IMP": "impasse",
    "LOT": "lotissement",
    "MAI": "maison",
    "MTE": "montée",
    "PAR": "parc",
    "PAS": "passage",
    "PAV": "pavillon",
    "PL": "place",
    "POR": "porte",
    "Q": "quai",
    "QU": "quartier",
    "R": "rue",
    "RAM": "rampe",
    "RES": "résidence",
    "RTE": "route",
    "RUL": "ruelle",
    "SEN": "sentier",
    "SQ": "square",
    "VO": "voie",
}
