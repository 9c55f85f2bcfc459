"""Which certifications a provider must hold for the regulations a project is under.

A regulation is met on someone else's infrastructure only where the provider holds the matching
attestation or signs the matching agreement, in the region the data goes to: the catalog records
what each provider holds per region (``ProviderCertification``), and this table says what each
regulation asks for. An attestation the catalog does not record counts as unverified.
"""

SOC1 = "soc1"
SOC2 = "soc2"
ISO_27001 = "iso_27001"
HIPAA_BAA = "hipaa_baa"
PCI_DSS = "pci_dss"
DPA = "dpa"

#: Code → plain name, in the order pages list them.
CERTIFICATIONS = {
    SOC1: "SOC 1 Type II report",
    SOC2: "SOC 2 Type II report",
    ISO_27001: "ISO/IEC 27001 certification",
    HIPAA_BAA: "HIPAA business associate agreement",
    PCI_DSS: "PCI DSS attestation of compliance",
    DPA: "data processing agreement (GDPR / PDPA)",
}

#: Regulation code (``tenancy.models.Regulation``) → the certifications a provider needs for it.
#: Regulations with no entry (the EU AI Act) ask nothing of the hosting provider's attestations.
REQUIRED_BY_REGULATION = {
    "gdpr": (DPA,),
    "uk_gdpr": (DPA,),
    "pdpa_th": (DPA,),
    "pdpa_sg": (DPA,),
    "hipaa": (HIPAA_BAA,),
    "pci_dss": (PCI_DSS,),
    "sox": (SOC1,),
    "dora": (ISO_27001, SOC2),
    "iso_27001": (ISO_27001,),
    "soc2": (SOC2,),
}


def required_certifications(regulations) -> frozenset[str]:
    return frozenset(code for regulation in regulations for code in REQUIRED_BY_REGULATION.get(regulation, ()))


def certification_names(codes) -> str:
    """Plain names of ``codes``, in the catalog's order: "HIPAA business associate agreement, …"."""
    return ", ".join(name for code, name in CERTIFICATIONS.items() if code in codes)
