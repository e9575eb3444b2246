"""Real, cited partnership records loaded by ``manage.py load_demo``.

Every record below describes a real organization, membership, programme,
agreement, exercise or resource transfer, and carries the page it was checked
against (``source_url``) plus a short citation or paraphrase (``source_text``).
Where a figure or date could not be confirmed it is ``None`` rather than a
guess (for example most per-nation personnel numbers, and the entry-into-force
dates of the two AUKUS naval nuclear propulsion agreements).

Conventions (read by the loader):
- dates are ISO strings ``"YYYY-MM-DD"`` or ``None``;
- nations are ISO 3166-1 alpha-3 codes (historical states, listed in
  ``NATIONS``, by COW abbreviation); organizations are referenced by
  ``acronym``, programs by ``acronym``, agreements by exact ``title``;
- decimals are strings, integers are ints;
- every enum value is a *value* from ``partnerships.choices``.
"""

from __future__ import annotations

NATO_MEMBERS_URL = "https://www.nato.int/cps/en/natohq/topics_52044.htm"
NATO_TREATY_URL = "https://www.nato.int/cps/en/natohq/official_texts_17120.htm"
PFP_URL = "https://www.nato.int/cps/en/natohq/topics_50349.htm"
PFP_SIGNATURES_URL = "https://en.wikipedia.org/wiki/Partnership_for_Peace"
MDT_URL = "https://en.wikipedia.org/wiki/Mutual_Defense_Treaty_(United_States%E2%80%93Philippines)"

COW_STATES_URL = "https://correlatesofwar.org/data-sets/state-system-membership/"

# --------------------------------------------------------------------------
# Historical states the code list lacks, as the records below name them on their dates
# --------------------------------------------------------------------------
NATIONS: list[dict] = [
    {
        "name": "West Germany",
        "cow_code": 260,
        "cow_abbr": "GFR",
        "region": "europe_central_asia",
        "exists_from": "1955-05-05",
        "exists_until": "1990-10-03",
        "source_url": COW_STATES_URL,
        "source_text": "Correlates of War, State System Membership List v2016: German Federal Republic (260), "
        "5 May 1955 to 2 October 1990; Germany (255) continues it from 3 October 1990.",
    },
]

# --------------------------------------------------------------------------
# Organizations (a parent must appear earlier in the list)
# --------------------------------------------------------------------------
ORGANIZATIONS: list[dict] = [
    {
        "name": "North Atlantic Treaty Organization",
        "acronym": "NATO",
        "kind": "multinational",
        "nation": None,
        "parent": None,
        "founded_on": "1949-04-04",
        "website": "https://www.nato.int",
        "description": "Political and military alliance founded by the North Atlantic (Washington) Treaty, "
        "signed in Washington on 4 April 1949; 32 member countries since Sweden's accession in 2024.",
        "source_url": NATO_MEMBERS_URL,
        "source_text": "NATO, 'NATO member countries' (topic page).",
    },
    {
        "name": "U.S. Department of Defense",
        "acronym": "DoD",
        "kind": "ministry_of_defense",
        "nation": "USA",
        "parent": None,
        "founded_on": None,
        "website": "https://www.defense.gov",
        "description": "Executive department of the United States government responsible for the U.S. armed forces; "
        "parent of DSCA, DTRA and the combatant commands.",
        "source_url": "https://www.defense.gov",
        "source_text": "U.S. Department of Defense official website.",
    },
    {
        "name": "Defense Security Cooperation Agency",
        "acronym": "DSCA",
        "kind": "defense_agency",
        "nation": "USA",
        "parent": "DoD",
        "founded_on": "1971-09-01",
        "website": "https://www.dsca.mil",
        "description": "DoD agency that administers Foreign Military Sales and other security cooperation programmes. "
        "Established 1 September 1971 as the Defense Security Assistance Agency; redesignated DSCA on 1 October 1998.",
        "source_url": "https://www.dsca.mil/50th-anniversary",
        "source_text": "DSCA: 'On September 1, 1971, the Department of Defense established ... the Defense Security "
        "Assistance Agency (DSAA)'; now known as DSCA.",
    },
    {
        "name": "Defense Threat Reduction Agency",
        "acronym": "DTRA",
        "kind": "defense_agency",
        "nation": "USA",
        "parent": "DoD",
        "founded_on": "1998-10-01",
        "website": "https://www.dtra.mil",
        "description": "DoD combat support agency for countering weapons of mass destruction; it implements the "
        "Nunn-Lugar Cooperative Threat Reduction (CTR) Program.",
        "source_url": "http://www.defense.gov/news/newsarticle.aspx?id=41816",
        "source_text": "American Forces Press Service, 2 Oct 1998: Secretary Cohen 'presided here Oct. 1 over the "
        "establishment of the Defense Threat Reduction Agency'.",
    },
    {
        "name": "U.S. Indo-Pacific Command",
        "acronym": "INDOPACOM",
        "kind": "command",
        "nation": "USA",
        "parent": "DoD",
        "founded_on": None,
        "website": "https://www.pacom.mil",
        "description": "Unified combatant command for the Indo-Pacific; renamed from U.S. Pacific Command (PACOM) "
        "on 30 May 2018. Co-hosts Cobra Gold with the Royal Thai Armed Forces.",
        "source_url": "http://adbr.com.au/us-pacom-changes-name-to-indopacom/",
        "source_text": "ADBR, 1 Jun 2018: at the 30 May change-of-command ceremony Secretary Mattis renamed "
        "U.S. Pacific Command to U.S. Indo-Pacific Command.",
    },
    {
        "name": "United States Navy",
        "acronym": "USN",
        "kind": "armed_service",
        "nation": "USA",
        "parent": "DoD",
        "founded_on": "1775-10-13",
        "website": "https://www.navy.mil",
        "description": "Maritime service branch of the U.S. armed forces (traces its birth to the Continental Navy, "
        "13 October 1775).",
        "source_url": "https://www.navy.mil",
        "source_text": "U.S. Navy official website.",
    },
    {
        "name": "Armed Forces of the Philippines",
        "acronym": "AFP",
        "kind": "armed_service",
        "nation": "PHL",
        "parent": None,
        "founded_on": None,
        "website": "https://www.afp.mil.ph",
        "description": "Military of the Republic of the Philippines; co-conducts the annual Balikatan exercise "
        "with U.S. forces.",
        "source_url": "https://ph.usembassy.gov/signing-enhanced-defense-cooperation-agreement/",
        "source_text": "U.S. Embassy Manila: EDCA supports 'the long-term modernization of the Armed Forces of the "
        "Philippines (AFP)'.",
    },
    {
        "name": "Australian Department of Defence",
        "acronym": "AU-DEFENCE",
        "kind": "ministry_of_defense",
        "nation": "AUS",
        "parent": None,
        "founded_on": None,
        "website": "https://www.defence.gov.au",
        "description": "Australian Government department responsible for the Australian Defence Force; "
        "Australia's lead agency for AUKUS and host of Exercise Talisman Sabre.",
        "source_url": "https://www.defence.gov.au",
        "source_text": "Australian Department of Defence official website.",
    },
    {
        "name": "UK Ministry of Defence",
        "acronym": "MOD",
        "kind": "ministry_of_defense",
        "nation": "GBR",
        "parent": None,
        "founded_on": None,
        "website": "https://www.gov.uk/government/organisations/ministry-of-defence",
        "description": "United Kingdom government department responsible for defence; AUKUS partner.",
        "source_url": "https://www.gov.uk/government/organisations/ministry-of-defence",
        "source_text": "GOV.UK, Ministry of Defence organisation page.",
    },
    {
        "name": "Royal Navy",
        "acronym": "RN",
        "kind": "armed_service",
        "nation": "GBR",
        "parent": "MOD",
        "founded_on": None,
        "website": "https://www.royalnavy.mod.uk",
        "description": "Naval service of the United Kingdom; trains Royal Australian Navy nuclear engineers under AUKUS.",
        "source_url": "https://www.manmonthly.com.au/first-australian-navy-officers-assigned-to-uk-astute-class-submarines/",
        "source_text": "Manufacturers' Monthly, 12 Jul 2024: first three RAN officers graduated from the Royal Navy's "
        "Nuclear Reactor Course.",
    },
    {
        "name": "Royal Australian Navy",
        "acronym": "RAN",
        "kind": "armed_service",
        "nation": "AUS",
        "parent": "AU-DEFENCE",
        "founded_on": None,
        "website": "https://www.navy.gov.au",
        "description": "Naval service of Australia; future operator of conventionally armed, nuclear-powered "
        "submarines under AUKUS.",
        "source_url": "https://www.navy.gov.au",
        "source_text": "Royal Australian Navy official website.",
    },
    {
        "name": "Indian Navy",
        "acronym": "IN",
        "kind": "armed_service",
        "nation": "IND",
        "parent": None,
        "founded_on": None,
        "website": "https://www.indiannavy.nic.in",
        "description": "Naval service of India; hosted Exercise Malabar 2024 through its Eastern Naval Command at Visakhapatnam.",
        "source_url": "https://www.indiandefensenews.in/2024/10/malabar-naval-exercise-concludes.html",
        "source_text": "Indian Defence News, 20 Oct 2024: Malabar 'was conducted by the Navy's Eastern Command, "
        "headquartered in Visakhapatnam'.",
    },
    {
        "name": "Japan Maritime Self-Defense Force",
        "acronym": "JMSDF",
        "kind": "armed_service",
        "nation": "JPN",
        "parent": None,
        "founded_on": "1954-07-01",
        "website": "https://www.mod.go.jp/msdf/en/",
        "description": "Naval branch of the Japan Self-Defense Forces (established with the JSDF on 1 July 1954); "
        "regular Malabar and RIMPAC participant.",
        "source_url": "https://www.mod.go.jp/msdf/en/",
        "source_text": "JMSDF official website.",
    },
    {
        "name": "Royal Thai Armed Forces",
        "acronym": "RTARF",
        "kind": "armed_service",
        "nation": "THA",
        "parent": None,
        "founded_on": None,
        "website": "https://www.rtarf.mi.th",
        "description": "Armed forces of Thailand; co-hosts Exercise Cobra Gold with U.S. Indo-Pacific Command.",
        "source_url": "https://www.army.mil/article/274405/joint_exercise_cobra_gold_24_concludes_furthering_multinational_relationships_and_interoperability",
        "source_text": "U.S. Army, 2024: Cobra Gold is 'co-hosted by the Royal Thai Armed Forces and the U.S. "
        "Indo-Pacific Command'.",
    },
]

# --------------------------------------------------------------------------
# Memberships: the 32 NATO Allies with their accession dates
# --------------------------------------------------------------------------
_NATO_SRC = "NATO, 'NATO member countries': 12 founders (1949); Greece and Türkiye (1952); Germany (1955); Spain (1982); ... Sweden (2024)."
_NATO_FOUNDER = "Founding member; the North Atlantic Treaty entered into force on 24 August 1949."

MEMBERSHIPS: list[dict] = [
    {
        "organization": "NATO",
        "nation": "BEL",
        "joined_on": "1949-08-24",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_FOUNDER,
    },
    {
        "organization": "NATO",
        "nation": "CAN",
        "joined_on": "1949-08-24",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_FOUNDER,
    },
    {
        "organization": "NATO",
        "nation": "DNK",
        "joined_on": "1949-08-24",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_FOUNDER,
    },
    {
        "organization": "NATO",
        "nation": "FRA",
        "joined_on": "1949-08-24",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_FOUNDER,
    },
    {
        "organization": "NATO",
        "nation": "ISL",
        "joined_on": "1949-08-24",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_FOUNDER,
    },
    {
        "organization": "NATO",
        "nation": "ITA",
        "joined_on": "1949-08-24",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_FOUNDER,
    },
    {
        "organization": "NATO",
        "nation": "LUX",
        "joined_on": "1949-08-24",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_FOUNDER,
    },
    {
        "organization": "NATO",
        "nation": "NLD",
        "joined_on": "1949-08-24",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_FOUNDER,
    },
    {
        "organization": "NATO",
        "nation": "NOR",
        "joined_on": "1949-08-24",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_FOUNDER,
    },
    {
        "organization": "NATO",
        "nation": "PRT",
        "joined_on": "1949-08-24",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_FOUNDER,
    },
    {
        "organization": "NATO",
        "nation": "GBR",
        "joined_on": "1949-08-24",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_FOUNDER,
    },
    {
        "organization": "NATO",
        "nation": "USA",
        "joined_on": "1949-08-24",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_FOUNDER,
    },
    {
        "organization": "NATO",
        "nation": "GRC",
        "joined_on": "1952-02-18",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "TUR",
        "joined_on": "1952-02-18",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "GFR",
        "joined_on": "1955-05-06",
        "left_on": "1990-10-03",
        "role": "member",
        "source_url": "https://www.nato.int/cps/uk/natohq/news_121253.htm",
        "source_text": "NATO, 2015: the Federal Republic of Germany became NATO's fifteenth member on 6 May 1955, when its instrument of accession was deposited in Washington.",
    },
    {
        "organization": "NATO",
        "nation": "DEU",
        "joined_on": "1990-10-03",
        "left_on": None,
        "role": "member",
        "source_url": "https://www.nato.int/cps/uk/natohq/news_121253.htm",
        "source_text": "NATO, 2015 (West Germany's accession of 1955); on 3 October 1990 united Germany continued the Federal Republic's membership (COW: Germany, 255, continues the German Federal Republic, 260).",
    },
    {
        "organization": "NATO",
        "nation": "ESP",
        "joined_on": "1982-05-30",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "CZE",
        "joined_on": "1999-03-12",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "HUN",
        "joined_on": "1999-03-12",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "POL",
        "joined_on": "1999-03-12",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "BGR",
        "joined_on": "2004-03-29",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "EST",
        "joined_on": "2004-03-29",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "LVA",
        "joined_on": "2004-03-29",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "LTU",
        "joined_on": "2004-03-29",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "ROU",
        "joined_on": "2004-03-29",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "SVK",
        "joined_on": "2004-03-29",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "SVN",
        "joined_on": "2004-03-29",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "ALB",
        "joined_on": "2009-04-01",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "HRV",
        "joined_on": "2009-04-01",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "MNE",
        "joined_on": "2017-06-05",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "MKD",
        "joined_on": "2020-03-27",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": _NATO_SRC,
    },
    {
        "organization": "NATO",
        "nation": "FIN",
        "joined_on": "2023-04-04",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": "NATO: Finland became the 31st member on 4 April 2023 on depositing its instrument of accession.",
    },
    {
        "organization": "NATO",
        "nation": "SWE",
        "joined_on": "2024-03-07",
        "left_on": None,
        "role": "member",
        "source_url": NATO_MEMBERS_URL,
        "source_text": "NATO: Sweden became the 32nd member on 7 March 2024.",
    },
]

# --------------------------------------------------------------------------
# Programs
# --------------------------------------------------------------------------
PROGRAMS: list[dict] = [
    {
        "name": "Partnership for Peace",
        "acronym": "PfP",
        "program_type": "multilateral_partnership",
        "objectives": ["interoperability", "diplomacy_trust", "capacity_building"],
        "lead_nation": None,
        "lead_organization": "NATO",
        "started_on": "1994-01-10",
        "ended_on": None,
        "description": "Programme of practical bilateral cooperation between individual Euro-Atlantic partner countries "
        "and NATO, launched at the Brussels Summit of 10-11 January 1994. Each partner joins by signing "
        "the PfP Framework Document and chooses its own priorities for cooperation.",
        "source_url": PFP_URL,
        "source_text": "NATO, 'Partnership for Peace programme' (topic page): 'a programme of practical bilateral "
        "cooperation between individual Euro-Atlantic partner countries and NATO'.",
    },
    {
        "name": "Foreign Military Sales",
        "acronym": "FMS",
        "program_type": "security_assistance",
        "objectives": ["interoperability", "capacity_building", "collective_security"],
        "lead_nation": "USA",
        "lead_organization": "DSCA",
        "started_on": None,
        "ended_on": None,
        "description": "U.S. government-to-government programme for selling defense articles, services and training "
        "to partner governments under the Arms Export Control Act; overseen by the State Department and "
        "administered by DSCA. Start date left blank (authorized by the Foreign Military Sales Act of 1968).",
        "source_url": "https://www.dsca.mil/resources/publications/strategic_plan_2025/organization_history",
        "source_text": "DSCA organization history: DSAA was established to 'direct, administer, and supervise security "
        "assistance programs including Foreign Military Sales (FMS)'.",
    },
    {
        "name": "Nunn-Lugar Cooperative Threat Reduction Program",
        "acronym": "CTR",
        "program_type": "security_assistance",
        "objectives": ["collective_security", "diplomacy_trust", "capacity_building"],
        "lead_nation": "USA",
        "lead_organization": "DTRA",
        "started_on": "1991-12-12",
        "ended_on": None,
        "description": "Programme created by the Soviet Nuclear Threat Reduction Act of 1991 (Nunn-Lugar) to help "
        "secure and dismantle weapons of mass destruction and their infrastructure in former Soviet "
        "states; implemented by DTRA since 1998.",
        "source_url": "http://www.marketwired.com/press-release/celebrating-25th-anniversary-nunn-lugar-cooperative-threat-reduction-program-2182545.htm",
        "source_text": "DTRA, 12 Dec 2016: marks 'the 25th anniversary of the day President George H. W. Bush signed the "
        "Soviet Nuclear Threat Reduction Act of 1991 into law'; initial bill included $400 million.",
    },
    {
        "name": "AUKUS enhanced trilateral security partnership",
        "acronym": "AUKUS",
        "program_type": "multilateral_partnership",
        "objectives": ["collective_security", "interoperability", "defense_rnd"],
        "lead_nation": None,
        "lead_organization": None,
        "started_on": "2021-09-15",
        "ended_on": None,
        "description": "Trilateral security partnership of Australia, the United Kingdom and the United States "
        "announced on 15 September 2021. Its first initiative supports Australia's acquisition of "
        "conventionally armed, nuclear-powered submarines (Pillar I); Pillar II covers advanced capabilities.",
        "source_url": "https://iaea.org/publications/documents/infcircs/communication-dated-15-september-2021-received-from-the-permanent-mission-of-the-united-states-of-america-to-agency",
        "source_text": "IAEA INFCIRC: statement made on 15 September 2021 by Prime Minister Morrison, Prime Minister "
        "Johnson and President Biden 'announcing an enhanced trilateral security partnership called AUKUS'.",
    },
    {
        "name": "U.S.-Philippines Alliance Cooperation",
        "acronym": "US-PH",
        "program_type": "bilateral_partnership",
        "objectives": ["collective_security", "interoperability", "capacity_building"],
        "lead_nation": "USA",
        "lead_organization": "INDOPACOM",
        "started_on": "1951-08-30",
        "ended_on": None,
        "description": "Bilateral alliance cooperation underpinned by the 1951 Mutual Defense Treaty and implemented "
        "through the Visiting Forces Agreement (1998), the Enhanced Defense Cooperation Agreement (2014) "
        "and the annual Balikatan exercise.",
        "source_url": "https://ph.usembassy.gov/signing-enhanced-defense-cooperation-agreement/",
        "source_text": "U.S. Embassy Manila: 'The U.S.-Philippine alliance, underpinned by the 1951 Mutual Defense "
        "Treaty ... (MDT), has been a key aspect of security and stability in the region'.",
    },
]

# --------------------------------------------------------------------------
# Agreements
# --------------------------------------------------------------------------
_PFP_DESC = (
    "Signature of the Partnership for Peace Framework Document (issued 10 January 1994), by which the "
    "partner joins PfP and commits to democratic control of forces, transparency in defence budgeting "
    "and cooperation with NATO in peacekeeping, search and rescue and humanitarian operations."
)


EDCA_TITLE = (
    "Agreement between the Government of the Republic of the Philippines and the Government of the "
    "United States of America on Enhanced Defense Cooperation"
)
AUKUS_2024_TITLE = (
    "Agreement among the Government of Australia, the Government of the United Kingdom and the "
    "Government of the United States for Cooperation Related to Naval Nuclear Propulsion"
)
CTR_KAZ_TITLE = "United States-Kazakhstan Safe, Secure Dismantlement (CTR Umbrella) Agreement"
POL_LOA_TITLE = "Letter of Offer and Acceptance: 32 F-35A Lightning II for Poland"
MDT_TITLE = "Mutual Defense Treaty between the Republic of the Philippines and the United States of America"


def _pfp(nation: str, name: str, signed_on: str, source_url: str, source_text: str, extra: str = "") -> dict:
    """One bilateral NATO-partner Framework Document signature."""
    return {
        "title": f"Partnership for Peace Framework Document - {name}",
        "short_name": f"PfP FD ({nation})",
        "kind": "framework",
        "scope": "bilateral",
        "status": "signed",
        "signed_on": signed_on,
        "in_force_from": None,
        "expires_on": None,
        "ended_on": None,
        "provisions": ["consultation", "training_exercises"],
        "program": "PfP",
        "description": _PFP_DESC + extra,
        "source_url": source_url,
        "source_text": source_text,
        "parties": [
            {"organization": "NATO", "role": "party", "joined_on": signed_on, "withdrew_on": None},
            {"nation": nation, "role": "party", "joined_on": signed_on, "withdrew_on": None},
        ],
    }


def _nat_party(nation: str, joined_on: str) -> dict:
    return {"nation": nation, "role": "party", "joined_on": joined_on, "withdrew_on": None}


AGREEMENTS: list[dict] = [
    {
        "title": "North Atlantic Treaty",
        "short_name": "Washington Treaty",
        "kind": "treaty",
        "scope": "multilateral",
        "status": "in_force",
        "signed_on": "1949-04-04",
        "in_force_from": "1949-08-24",
        "expires_on": None,
        "ended_on": None,
        "provisions": ["mutual_defense", "consultation"],
        "program": None,
        "description": "Founding treaty of NATO, signed in Washington on 4 April 1949 by 12 states. Article 4 provides "
        "for consultation and Article 5 for collective defence; Article 10 allows accession of other "
        "European states (joined_on = accession date).",
        "source_url": NATO_TREATY_URL,
        "source_text": "NATO, 'The North Atlantic Treaty' (official text, Washington D.C., 4 April 1949); accession "
        "dates per NATO 'Member countries'.",
        "parties": [
            _nat_party("BEL", "1949-08-24"),
            _nat_party("CAN", "1949-08-24"),
            _nat_party("DNK", "1949-08-24"),
            _nat_party("FRA", "1949-08-24"),
            _nat_party("ISL", "1949-08-24"),
            _nat_party("ITA", "1949-08-24"),
            _nat_party("LUX", "1949-08-24"),
            _nat_party("NLD", "1949-08-24"),
            _nat_party("NOR", "1949-08-24"),
            _nat_party("PRT", "1949-08-24"),
            _nat_party("GBR", "1949-08-24"),
            _nat_party("USA", "1949-08-24"),
            _nat_party("GRC", "1952-02-18"),
            _nat_party("TUR", "1952-02-18"),
            {
                "nation": "GFR",
                "role": "party",
                "joined_on": "1955-05-06",
                "withdrew_on": "1990-10-03",
                "notes": "West Germany; united Germany continues its membership from 3 October 1990.",
            },
            _nat_party("DEU", "1990-10-03"),
            _nat_party("ESP", "1982-05-30"),
            _nat_party("CZE", "1999-03-12"),
            _nat_party("HUN", "1999-03-12"),
            _nat_party("POL", "1999-03-12"),
            _nat_party("BGR", "2004-03-29"),
            _nat_party("EST", "2004-03-29"),
            _nat_party("LVA", "2004-03-29"),
            _nat_party("LTU", "2004-03-29"),
            _nat_party("ROU", "2004-03-29"),
            _nat_party("SVK", "2004-03-29"),
            _nat_party("SVN", "2004-03-29"),
            _nat_party("ALB", "2009-04-01"),
            _nat_party("HRV", "2009-04-01"),
            _nat_party("MNE", "2017-06-05"),
            _nat_party("MKD", "2020-03-27"),
            _nat_party("FIN", "2023-04-04"),
            _nat_party("SWE", "2024-03-07"),
        ],
    },
    _pfp(
        "ROU",
        "Romania",
        "1994-01-26",
        "https://www.nato.int/docu/update/1994/9401e.htm",
        "NATO chronology, 26 Jan 1994: 'Romania's Foreign Minister, Teodor Melescanu, comes to NATO Headquarters "
        "to sign the Partnership for Peace Framework Document.'",
        " Romania was the first state to sign.",
    ),
    _pfp(
        "POL",
        "Poland",
        "1994-02-02",
        PFP_SIGNATURES_URL,
        "Wikipedia, 'Partnership for Peace' (membership list, citing NATO's signatures table): Poland, 2 February 1994.",
        " Poland later joined NATO on 12 March 1999.",
    ),
    _pfp(
        "UKR",
        "Ukraine",
        "1994-02-08",
        PFP_SIGNATURES_URL,
        "Wikipedia, 'Partnership for Peace' (membership list, citing NATO): Ukraine (February 8, 1994).",
    ),
    _pfp(
        "MDA",
        "Moldova",
        "1994-03-16",
        PFP_SIGNATURES_URL,
        "Wikipedia, 'Partnership for Peace': Moldova (March 16, 1994); photo of Wörner and Snegur signing PfP on that date.",
    ),
    _pfp(
        "FIN",
        "Finland",
        "1994-05-09",
        PFP_SIGNATURES_URL,
        "Wikipedia, 'Partnership for Peace' (European Union members): Finland (May 9, 1994).",
        " Finland later joined NATO on 4 April 2023.",
    ),
    _pfp(
        "SWE",
        "Sweden",
        "1994-05-09",
        PFP_SIGNATURES_URL,
        "Wikipedia, 'Partnership for Peace' (European Union members): Sweden (May 9, 1994).",
        " Sweden later joined NATO on 7 March 2024.",
    ),
    _pfp(
        "KAZ",
        "Kazakhstan",
        "1994-05-27",
        PFP_SIGNATURES_URL,
        "Wikipedia, 'Partnership for Peace' (former republics of the Soviet Union): Kazakhstan (May 27, 1994).",
    ),
    _pfp(
        "RUS",
        "Russia",
        "1994-06-22",
        "https://www.nato.int/docu/comm/49-95/c940622a.htm",
        "NATO, Summary of Conclusions, 22 Jun 1994: 'The signature of Partnership for Peace by Russia opens a further "
        "important opportunity ...'",
        " Foreign Minister Kozyrev signed in Brussels; Russia's Individual Partnership "
        "Programme followed on 31 May 1995.",
    ),
    {
        "title": MDT_TITLE,
        "short_name": "MDT",
        "kind": "treaty",
        "scope": "bilateral",
        "status": "in_force",
        "signed_on": "1951-08-30",
        "in_force_from": "1952-08-27",
        "expires_on": None,
        "ended_on": None,
        "provisions": ["mutual_defense", "consultation"],
        "program": "US-PH",
        "description": "Eight-article treaty, signed in Washington, by which each party recognizes that an armed attack "
        "in the Pacific area on either would be dangerous to its own peace and safety and would act to "
        "meet the common danger; parties also consult on threats.",
        "source_url": "https://punto.com.ph/the-mutual-defense-treaty-is-signed-by-the-us-and-the-philippines",
        "source_text": "Signed 30 Aug 1951 in Washington; 'This mutual defense treaty entered into force on August 27, 1952' "
        "(exchange of ratifications). See also Wikipedia, 'Mutual Defense Treaty (United States-Philippines)'.",
        "parties": [
            {"nation": "USA", "role": "party", "joined_on": "1951-08-30", "withdrew_on": None},
            {"nation": "PHL", "role": "party", "joined_on": "1951-08-30", "withdrew_on": None},
        ],
    },
    {
        "title": "Agreement Regarding the Treatment of United States Armed Forces Visiting the Philippines",
        "short_name": "VFA",
        "kind": "sofa",
        "scope": "bilateral",
        "status": "in_force",
        "signed_on": "1998-02-10",
        "in_force_from": "1999-06-01",
        "expires_on": None,
        "ended_on": None,
        "provisions": ["status_of_forces", "training_exercises"],
        "program": "US-PH",
        "description": "Visiting Forces Agreement setting the legal status of U.S. forces temporarily in the Philippines "
        "(entry, jurisdiction, import of equipment). A counterpart agreement for Philippine personnel in the "
        "U.S. was signed on 9 October 1998. A 2020 Philippine termination notice was later withdrawn.",
        "source_url": "https://pdfslide.us/documents/defense-status-of-forces.html",
        "source_text": "U.S. TIAS 12931: 'Status of Forces Agreement signed at Manila February 10, 1998; Entered into force "
        "June 1, 1999.'",
        "parties": [
            {"nation": "USA", "role": "party", "joined_on": "1998-02-10", "withdrew_on": None},
            {"nation": "PHL", "role": "party", "joined_on": "1998-02-10", "withdrew_on": None},
        ],
    },
    {
        "title": EDCA_TITLE,
        "short_name": "EDCA",
        "kind": "defense_cooperation",
        "scope": "bilateral",
        "status": "in_force",
        "signed_on": "2014-04-28",
        "in_force_from": "2014-06-25",
        "expires_on": None,
        "ended_on": None,
        "provisions": ["basing_access", "training_exercises", "logistics"],
        "program": "US-PH",
        "description": "Signed at Camp Aguinaldo by Secretary of National Defense Voltaire Gazmin and U.S. Ambassador "
        "Philip Goldberg. Allows rotational presence of U.S. forces, construction of facilities and "
        "prepositioning at mutually 'Agreed Locations' without a permanent U.S. base. Upheld by the "
        "Philippine Supreme Court on 12 January 2016. Five Agreed Locations were announced in March 2016; four more were agreed in February 2023 and named in April 2023.",
        "source_url": "https://elibrary.judiciary.gov.ph/thebookshelf/showdocs/35/91035",
        "source_text": "Philippine Supreme Court E-Library lists the EDCA text under 25 June 2014 (entry into force by "
        "exchange of notes); signing on 28 April 2014 per U.S. Embassy Manila.",
        "parties": [
            {"nation": "PHL", "role": "party", "joined_on": "2014-04-28", "withdrew_on": None},
            {"nation": "USA", "role": "party", "joined_on": "2014-04-28", "withdrew_on": None},
        ],
    },
    {
        "title": "Agreement between the Government of Australia, the Government of the United Kingdom and the "
        "Government of the United States for the Exchange of Naval Nuclear Propulsion Information",
        "short_name": "ENNPIA",
        "kind": "other",
        "scope": "multilateral",
        "status": "signed",
        "signed_on": "2021-11-22",
        "in_force_from": None,
        "expires_on": None,
        "ended_on": None,
        "provisions": ["technology_transfer", "training_exercises"],
        "program": "AUKUS",
        "description": "First public AUKUS agreement, signed in Canberra; lets the U.S. and UK share naval nuclear "
        "propulsion information with Australia for the 18-month Optimal Pathway consultations and gives "
        "Australian personnel access to training. Ratified in 2022 and superseded by the 2024 naval nuclear "
        "propulsion agreement; the exact entry-into-force and supersession dates were not verified here.",
        "source_url": "https://www.aph.gov.au/Parliamentary_Business/Committees/Joint/Treaties/ENNPIA/Report/section?id=committees%2freportjnt%2f024853%2f78642",
        "source_text": "Joint Standing Committee on Treaties: the ENNPIA 'was signed in Canberra on 22 November 2021 and "
        "tabled in the Parliament later on the same day'.",
        "parties": [
            {"nation": "AUS", "role": "party", "joined_on": "2021-11-22", "withdrew_on": None},
            {"nation": "GBR", "role": "party", "joined_on": "2021-11-22", "withdrew_on": None},
            {"nation": "USA", "role": "party", "joined_on": "2021-11-22", "withdrew_on": None},
        ],
    },
    {
        "title": AUKUS_2024_TITLE,
        "short_name": "AUKUS naval nuclear propulsion agreement",
        "kind": "other",
        "scope": "multilateral",
        "status": "signed",
        "signed_on": "2024-08-05",
        "in_force_from": None,
        "expires_on": "2075-12-31",
        "ended_on": None,
        "provisions": ["technology_transfer", "procurement"],
        "program": "AUKUS",
        "description": "Signed in Washington on 5 August 2024; supersedes the 2021 ENNPIA. Permits continued exchange of "
        "naval nuclear propulsion information and allows the UK and U.S. to transfer nuclear material and "
        "equipment to Australia for conventionally armed, nuclear-powered submarines. Runs to 31 December "
        "2075 unless a party withdraws on one year's notice. Entry-into-force date not verified here.",
        "source_url": "https://australiandefence.com.au/defence/sea/new-aukus-agreement-signed",
        "source_text": "Australian Defence Magazine: 'On 5 August Australia signed an agreement with the UK and US ... "
        "the agreement will expire on 31 December 2075'.",
        "parties": [
            {"nation": "AUS", "role": "party", "joined_on": "2024-08-05", "withdrew_on": None},
            {"nation": "GBR", "role": "party", "joined_on": "2024-08-05", "withdrew_on": None},
            {"nation": "USA", "role": "party", "joined_on": "2024-08-05", "withdrew_on": None},
        ],
    },
    {
        "title": "Agreement between the United States of America and the Russian Federation Concerning the Safe and "
        "Secure Transportation, Storage and Destruction of Weapons and the Prevention of Weapons Proliferation",
        "short_name": "CTR Umbrella Agreement (Russia)",
        "kind": "executive_agreement",
        "scope": "bilateral",
        "status": "expired",
        "signed_on": "1992-06-17",
        "in_force_from": "1992-06-17",
        "expires_on": "2013-06-17",
        "ended_on": "2013-06-17",
        "provisions": ["logistics", "technology_transfer"],
        "program": "CTR",
        "description": "The Nunn-Lugar CTR 'umbrella' agreement, signed by Presidents Bush and Yeltsin at their June 1992 "
        "Washington summit; in force on signature, extended in 1999 and 2006, and expired in June 2013, "
        "replaced by a protocol under the 2003 MNEPR framework agreement signed 14 June 2013.",
        "source_url": "https://geneva.usmission.gov/2013/06/21/u-s-russian-cooperation-in-nuclear-nonproliferation-a-fact-sheet/",
        "source_text": "U.S. Department of State fact sheet, 19 Jun 2013: the 1992 CTR Umbrella Agreement 'expired on June 17, "
        "2013'; Sputnik (2007): signed 17 June 1992 and 'came into effect immediately on signing'.",
        "parties": [
            {"nation": "USA", "role": "party", "joined_on": "1992-06-17", "withdrew_on": None},
            {"nation": "RUS", "role": "party", "joined_on": "1992-06-17", "withdrew_on": None},
        ],
    },
    {
        "title": CTR_KAZ_TITLE,
        "short_name": "CTR Umbrella Agreement (Kazakhstan)",
        "kind": "executive_agreement",
        "scope": "bilateral",
        "status": "signed",
        "signed_on": "1993-12-13",
        "in_force_from": None,
        "expires_on": None,
        "ended_on": None,
        "provisions": ["logistics", "technology_transfer"],
        "program": "CTR",
        "description": "Signed in Almaty during Vice President Gore's visit; provides the legal framework for U.S. "
        "assistance in the safe and secure transportation, storage and destruction of Kazakhstan's "
        "inherited nuclear arsenal. Extended in 2000 and amended/extended again in December 2007.",
        "source_url": "https://www.globalsecurity.org/wmd/library/news/kazakh/931213-317011.htm",
        "source_text": "USIA, 13 Dec 1993: Gore and Nazarbayev 'signed an agreement December 13 that provides for United "
        "States assistance in the ultimate destruction of Kazakhstan's nuclear weapons arsenal'.",
        "parties": [
            {"nation": "USA", "role": "party", "joined_on": "1993-12-13", "withdrew_on": None},
            {"nation": "KAZ", "role": "party", "joined_on": "1993-12-13", "withdrew_on": None},
        ],
    },
    {
        "title": POL_LOA_TITLE,
        "short_name": "Poland F-35A LOA",
        "kind": "loa",
        "scope": "bilateral",
        "status": "signed",
        "signed_on": "2020-01-31",
        "in_force_from": None,
        "expires_on": None,
        "ended_on": None,
        "provisions": ["procurement", "logistics"],
        "program": "FMS",
        "description": "Foreign Military Sales case for 32 F-35A aircraft worth $4.6 billion, including training, logistics "
        "and simulators; signed by Defence Minister Mariusz Błaszczak at Dęblin and handed to U.S. Ambassador "
        "Georgette Mosbacher. DSCA had notified the possible sale in September 2019.",
        "source_url": "https://rferl.org/amp/poland-signs-4-6-billion-contract-for-u-s-fighter-jets/30410592.html",
        "source_text": "RFE/RL: 'Poland signed a $4.6 billion deal with the United States on January 31 for the purchase of "
        "32 of its advanced F-35 fighter jets'.",
        "parties": [
            {"nation": "USA", "role": "party", "joined_on": "2020-01-31", "withdrew_on": None},
            {"nation": "POL", "role": "party", "joined_on": "2020-01-31", "withdrew_on": None},
        ],
    },
]


# --------------------------------------------------------------------------
# Exercises
# --------------------------------------------------------------------------
def _p(nation: str, role: str = "participant", personnel: int | None = None) -> dict:
    return {"nation": nation, "role": role, "personnel": personnel}


def _o(acronym: str, role: str = "participant", personnel: int | None = None) -> dict:
    return {"organization": acronym, "role": role, "personnel": personnel}


EXERCISES: list[dict] = [
    {
        "name": "Balikatan 2024",
        "series": "Balikatan",
        "kind": "combined",
        "domains": ["land", "sea", "air", "amphibious"],
        "purposes": ["warfighting", "maritime_security", "humanitarian"],
        "status": "completed",
        "start_date": "2024-04-22",
        "end_date": "2024-05-10",
        "location": "Luzon, Palawan and Philippine waters",
        "program": "US-PH",
        "agreement": MDT_TITLE,
        "objectives": "39th Balikatan: command-and-control exercise, field training (combined joint all-domain operations "
        "incl. maritime key-terrain security and a multilateral maritime exercise) and humanitarian civic assistance.",
        "outcomes": "Largest Balikatan to that date (about 16,700 personnel); first participation of the French Navy; "
        "14 observer nations.",
        "source_url": "https://palawan-news.com/14-nations-to-observe-bk-39-24/",
        "source_text": "Palawan News (AFP Wescom): exercise 'scheduled to take place from April 22 to May 10'; Australian "
        "Defence Force and French Navy join; 14 observer countries. Personnel per AFP as reported by Bombo "
        "Radyo: ~5,000 Philippine, ~11,000 U.S., ~150 Australian, ~100 French.",
        "participants": [
            _p("PHL", "host", 5000),
            _p("USA", "participant", 11000),
            _p("AUS", "participant", 150),
            _p("FRA", "participant", 100),
            _p("BRN", "observer"),
            _p("CAN", "observer"),
            _p("DEU", "observer"),
            _p("IND", "observer"),
            _p("IDN", "observer"),
            _p("JPN", "observer"),
            _p("MYS", "observer"),
            _p("NZL", "observer"),
            _p("SGP", "observer"),
            _p("KOR", "observer"),
            _p("THA", "observer"),
            _p("GBR", "observer"),
            _p("VNM", "observer"),
        ],
    },
    {
        "name": "Balikatan 2025",
        "series": "Balikatan",
        "kind": "combined",
        "domains": ["land", "sea", "air", "amphibious"],
        "purposes": ["warfighting", "maritime_security", "humanitarian"],
        "status": "completed",
        "start_date": "2025-04-21",
        "end_date": "2025-05-09",
        "location": "Luzon, including northern Luzon and the Batanes Islands",
        "program": "US-PH",
        "agreement": MDT_TITLE,
        "objectives": "40th Balikatan: integrated air and missile defense, maritime key-terrain security, counter-landing "
        "live fire, maritime strike and humanitarian projects.",
        "outcomes": "More than 14,000 participants; Japan Self-Defense Forces took part as a full participant for the first "
        "time. Per-nation figures differ between sources and are left blank.",
        "source_url": "https://www.dvidshub.net/news/495759/exercise-balikatan-2025-kicks-off-with-opening-ceremony-highlighting-ironclad-alliance",
        "source_text": "DVIDS, 21 Apr 2025: 40th iteration opened at Camp Aguinaldo; 'We have more than 14,000 participants "
        "and over 20 nations invested'. Dates 21 Apr-9 May per AFP.",
        "participants": [_p("PHL", "host"), _p("USA"), _p("AUS"), _p("JPN")],
    },
    {
        "name": "RIMPAC 2024",
        "series": "RIMPAC",
        "kind": "field_training",
        "domains": ["sea", "air", "land", "amphibious"],
        "purposes": ["warfighting", "maritime_security", "humanitarian"],
        "status": "completed",
        "start_date": "2024-06-27",
        "end_date": "2024-08-01",
        "location": "In and around the Hawaiian Islands",
        "program": None,
        "agreement": None,
        "objectives": "29th Rim of the Pacific exercise (theme 'Partners: Integrated and Prepared'): sea control, "
        "anti-submarine and surface warfare, amphibious landings and the largest HADR drill in RIMPAC history.",
        "outcomes": "29 nations, 40 surface ships, 3 submarines, 14 national land forces, 150+ aircraft, ~25,000 personnel.",
        "source_url": "https://www.defensedaily.com/pacific-fleet-details-rimpac-2024-naval-exercise-starting-this-month/navy-usmc",
        "source_text": "Defense Daily: RIMPAC 2024 'due to run from June 27 to Aug. 1 around the Hawaiian Islands' with 29 "
        "countries, hosted by the commander of U.S. Pacific Fleet.",
        "participants": [
            _p("USA", "host"),
            _p("AUS"),
            _p("BEL"),
            _p("BRA"),
            _p("BRN"),
            _p("CAN"),
            _p("CHL"),
            _p("COL"),
            _p("DNK"),
            _p("ECU"),
            _p("FRA"),
            _p("DEU"),
            _p("IND"),
            _p("IDN"),
            _p("ISR"),
            _p("ITA"),
            _p("JPN"),
            _p("MYS"),
            _p("MEX"),
            _p("NLD"),
            _p("NZL"),
            _p("PER"),
            _p("KOR"),
            _p("PHL"),
            _p("SGP"),
            _p("LKA"),
            _p("THA"),
            _p("TON"),
            _p("GBR"),
        ],
    },
    {
        "name": "Talisman Sabre 2023",
        "series": "Talisman Sabre",
        "kind": "field_training",
        "domains": ["land", "sea", "air", "amphibious"],
        "purposes": ["warfighting"],
        "status": "completed",
        "start_date": "2023-07-22",
        "end_date": "2023-08-04",
        "location": "Northern Australia and Queensland",
        "program": None,
        "agreement": None,
        "objectives": "10th iteration of the largest bilateral ADF-U.S. training activity: large-scale logistics, "
        "multi-domain firepower, land combat, amphibious landings and air operations.",
        "outcomes": "More than 30,000 personnel from 13 nations; Philippines, Singapore and Thailand observed.",
        "source_url": "https://defenceconnect.com.au/land/11796-high-hopes-for-largest-ever-exercise-talisman-sabre",
        "source_text": "Defence Connect: 'held primarily in Northern Australia and Queensland from 22 July to 4 August'; "
        "partner nations listed; Philippines, Singapore and Thailand as observers.",
        "participants": [
            _p("AUS", "host"),
            _p("USA"),
            _p("FJI"),
            _p("IDN"),
            _p("JPN"),
            _p("KOR"),
            _p("NZL"),
            _p("PNG"),
            _p("TON"),
            _p("FRA"),
            _p("GBR"),
            _p("CAN"),
            _p("DEU"),
            _p("PHL", "observer"),
            _p("SGP", "observer"),
            _p("THA", "observer"),
        ],
    },
    {
        "name": "Talisman Sabre 2025",
        "series": "Talisman Sabre",
        "kind": "field_training",
        "domains": ["land", "sea", "air", "amphibious", "space", "cyber"],
        "purposes": ["warfighting"],
        "status": "completed",
        "start_date": "2025-07-13",
        "end_date": "2025-08-04",
        "location": "Queensland, Northern Territory, Western Australia, New South Wales, Christmas Island and Papua New Guinea",
        "program": None,
        "agreement": None,
        "objectives": "11th and largest iteration: amphibious landings, live fire, land manoeuvre, air, maritime, space "
        "and cyber operations; first activities outside Australia (Papua New Guinea).",
        "outcomes": "About 35,000 personnel from 19 nations; Brunei, Malaysia and Vietnam observed.",
        "source_url": "https://stripes.com/theaters/asia_pacific/2025-06-17/talisman-sabre-military-exercise-australia-18147334.html",
        "source_text": "Stars and Stripes: 'Scheduled to run from July 13 to Aug. 4 ... expected to draw about 35,000 troops'; "
        "participating countries and observers listed per U.S. Army Pacific and the Australian government.",
        "participants": [
            _p("AUS", "host"),
            _p("USA"),
            _p("CAN"),
            _p("FJI"),
            _p("FRA"),
            _p("DEU"),
            _p("IND"),
            _p("IDN"),
            _p("JPN"),
            _p("NLD"),
            _p("NZL"),
            _p("NOR"),
            _p("PNG"),
            _p("PHL"),
            _p("SGP"),
            _p("KOR"),
            _p("THA"),
            _p("TON"),
            _p("GBR"),
            _p("BRN", "observer"),
            _p("MYS", "observer"),
            _p("VNM", "observer"),
        ],
    },
    {
        "name": "Cobra Gold 2024",
        "series": "Cobra Gold",
        "kind": "combined",
        "domains": ["land", "sea", "air", "amphibious", "cyber", "space"],
        "purposes": ["warfighting", "humanitarian"],
        "status": "completed",
        "start_date": "2024-02-27",
        "end_date": "2024-03-08",
        "location": "Thailand (Rayong and other provinces)",
        "program": None,
        "agreement": None,
        "objectives": "43rd Cobra Gold: combined joint all-domain training (incl. cyber and space), live fire, airborne "
        "and amphibious events, humanitarian assistance and disaster response, civic action.",
        "outcomes": "Over 9,000 personnel including about 4,500 U.S.; 30 nations observed or took part; seven full participants.",
        "source_url": "https://www.army.mil/article/274405/joint_exercise_cobra_gold_24_concludes_furthering_multinational_relationships_and_interoperability",
        "source_text": "U.S. Army: co-hosted by the Royal Thai Armed Forces and U.S. INDOPACOM, 'over 9,000 military personnel, "
        "including 4,500 from the U.S.'; 'From February 27 to March 8'.",
        "participants": [
            _o("RTARF", "host"),
            _p("USA", "host", 4500),
            _p("SGP"),
            _p("JPN"),
            _p("IDN"),
            _p("KOR"),
            _p("MYS"),
        ],
    },
    {
        "name": "Cobra Gold 2025",
        "series": "Cobra Gold",
        "kind": "combined",
        "domains": ["land", "sea", "air", "amphibious", "cyber"],
        "purposes": ["warfighting", "humanitarian"],
        "status": "completed",
        "start_date": "2025-02-25",
        "end_date": "2025-03-07",
        "location": "Thailand (opening at Suranaree Camp, Nakhon Ratchasima)",
        "program": None,
        "agreement": None,
        "objectives": "44th Cobra Gold: command-and-control exercise, humanitarian civic assistance projects and a field "
        "training exercise including an amphibious exercise at Hat Yao and combined arms live fire.",
        "outcomes": "About 30 nations took part directly or as observers; about 3,200 U.S. personnel.",
        "source_url": "https://www.bangkokpost.com/thailand/general/2963858/kingdom-hosts-44th-cobra-gold-joint-drills",
        "source_text": "Bangkok Post: 'will run from Feb 25 to March 7 in Thailand, with 3,200 US personnel participating'; "
        "co-hosted by the Royal Thai Armed Forces. Seven main participants per KBS World citing the U.S. Embassy.",
        "participants": [
            _o("RTARF", "host"),
            _p("USA", "host", 3200),
            _p("SGP"),
            _p("JPN"),
            _p("IDN"),
            _p("KOR"),
            _p("MYS"),
        ],
    },
    {
        "name": "BALTOPS 2024",
        "series": "BALTOPS",
        "kind": "field_training",
        "domains": ["sea", "air", "amphibious"],
        "purposes": ["warfighting", "maritime_security"],
        "status": "completed",
        "start_date": "2024-06-07",
        "end_date": "2024-06-20",
        "location": "Baltic Sea, with activities ashore in Sweden, Poland, Germany and Lithuania",
        "program": None,
        "agreement": "North Atlantic Treaty",
        "objectives": "53rd Baltic Operations: amphibious, gunnery, anti-submarine, air defense and mine countermeasures "
        "operations, EOD and unmanned systems.",
        "outcomes": "20 NATO Allies, 50+ ships, ~9,000 personnel; first BALTOPS with Sweden as a NATO member.",
        "source_url": "https://stripes.com/branches/navy/2024-06-05/baltops-russia-navy-baltic-14087952.html",
        "source_text": "Stars and Stripes: led by U.S. Naval Forces Europe-Africa/6th Fleet under STRIKFORNATO command; "
        "'20 NATO allies ... about 9,000 personnel'; ends June 20. Participant list per U.S. NAVEUR via mil.in.ua.",
        "participants": [
            _p("USA", "host"),
            _o("NATO"),
            _p("BEL"),
            _p("DNK"),
            _p("EST"),
            _p("FIN"),
            _p("FRA"),
            _p("DEU"),
            _p("GRC"),
            _p("ITA"),
            _p("LVA"),
            _p("LTU"),
            _p("NLD"),
            _p("NOR"),
            _p("POL"),
            _p("PRT"),
            _p("ROU"),
            _p("ESP"),
            _p("SWE"),
            _p("TUR"),
            _p("GBR"),
        ],
    },
    {
        "name": "Malabar 2024",
        "series": "Malabar",
        "kind": "field_training",
        "domains": ["sea", "air"],
        "purposes": ["maritime_security", "warfighting"],
        "status": "completed",
        "start_date": "2024-10-08",
        "end_date": "2024-10-18",
        "location": "Visakhapatnam and the Bay of Bengal",
        "program": None,
        "agreement": None,
        "objectives": "Harbour phase at Visakhapatnam followed by a sea phase: anti-submarine, surface and air warfare, "
        "air defence drills and subject-matter expert exchanges incl. special operations.",
        "outcomes": "Concluded 18 October 2024; participating units incl. HMAS Stuart, USS Dewey, JS Ariake and Indian "
        "destroyers, frigates, submarines and aircraft.",
        "source_url": "https://www.livemint.com/news/india/malabar-2024-india-to-host-joint-naval-exercise-of-quad-nations-from-october-8-in-visakhapatnam/amp-11728294848723.html",
        "source_text": "Mint, citing the Indian Navy: 'Exercise Malabar 2024 is scheduled to take place from October 8 to 18, "
        "beginning with the Harbour Phase in Visakhapatnam'; India hosts the US, Australia and Japan.",
        "participants": [_o("IN", "host"), _o("RAN"), _o("JMSDF"), _o("USN")],
    },
]

# --------------------------------------------------------------------------
# Resources
# --------------------------------------------------------------------------
RESOURCES: list[dict] = [
    {
        "reference": "DEMO-FMS-POL-F35",
        "provider_nation": "USA",
        "recipient_nation": "POL",
        "category": "equipment",
        "description": "32 F-35A Lightning II aircraft with training, logistics and simulators under FMS; deliveries "
        "expected 2024-2030.",
        "quantity": "32",
        "unit": "aircraft",
        "value": "4600000000.00",
        "currency": "USD",
        "start_date": "2020-01-31",
        "end_date": None,
        "status": "in_progress",
        "agreement": POL_LOA_TITLE,
        "program": "FMS",
        "source_url": "https://rferl.org/amp/poland-signs-4-6-billion-contract-for-u-s-fighter-jets/30410592.html",
        "source_text": "RFE/RL: $4.6 billion deal for 32 F-35s signed 31 Jan 2020; 'Poland expects to take delivery ... "
        "between 2024 and 2030'; contract includes training, logistics and simulators.",
    },
    {
        "reference": "DEMO-FMS-AUS-TOMAHAWK",
        "provider_nation": "USA",
        "recipient_nation": "AUS",
        "category": "equipment",
        "description": "Possible FMS of up to 200 Tomahawk Block V and 20 Block IV cruise missiles with Tomahawk Weapon "
        "System support; notified to Congress by DSCA.",
        "quantity": "220",
        "unit": "missiles",
        "value": "895000000.00",
        "currency": "USD",
        "start_date": "2023-03-16",
        "end_date": None,
        "status": "approved",
        "agreement": None,
        "program": "FMS",
        "source_url": "https://news.usni.org/2023/03/16/congress-notified-of-potential-895m-tomahawk-sale-to-australia",
        "source_text": "USNI News, 16 Mar 2023: 'The deal is for as many as 20 Block IV Tomahawks and 200 Block V "
        "Tomahawks for $895 million'; DSCA informed lawmakers that day.",
    },
    {
        "reference": "DEMO-CTR-KAZ-1993",
        "provider_nation": "USA",
        "recipient_nation": "KAZ",
        "category": "funding",
        "description": "Nunn-Lugar funds allocated to Kazakhstan for implementing measures under the 1993 SSD agreement, "
        "$70 million of it for START I elimination obligations (e.g. missile silos).",
        "quantity": None,
        "unit": "",
        "value": "84000000.00",
        "currency": "USD",
        "start_date": "1993-12-13",
        "end_date": None,
        "status": "approved",
        "agreement": CTR_KAZ_TITLE,
        "program": "CTR",
        "source_url": "https://www.globalsecurity.org/wmd/library/news/kazakh/931213-317011.htm",
        "source_text": "USIA, 13 Dec 1993: 'Kazakhstan has been allocated $84 million to carry out the implementing "
        "measures'; '$70 million -- will go toward helping Kazakhstan meet its destruction obligations under "
        "the START I treaty'.",
    },
    {
        "reference": "DEMO-CTR-KAZ-SAPPHIRE",
        "provider_nation": "USA",
        "recipient_nation": "KAZ",
        "category": "logistics",
        "description": "Project Sapphire: a U.S. team repackaged and airlifted more than half a ton (about 600 kg) of "
        "unsafeguarded highly enriched uranium from the Ulba Metallurgical Plant, Ust-Kamenogorsk, to Oak "
        "Ridge, Tennessee, in November 1994; the first major success of the Nunn-Lugar programme.",
        "quantity": None,
        "unit": "",
        "value": None,
        "currency": "",
        "start_date": "1994-10-07",
        "end_date": None,
        "status": "completed",
        "agreement": None,
        "program": "CTR",
        "source_url": "https://nsarchive2.gwu.edu/NSAEBB/NSAEBB491/",
        "source_text": "National Security Archive EBB 491: 'More than a half-ton of weapons-grade uranium removed from "
        "Kazakhstan in 1994 ... first major success of Nunn-Lugar program'. Time (1994): President Clinton "
        "approved the operation on Oct. 7.",
    },
    {
        "reference": "DEMO-CTR-UKR-1993",
        "provider_nation": "USA",
        "recipient_nation": "UKR",
        "category": "funding",
        "description": "Nunn-Lugar (Safe, Secure Dismantlement) assistance pledged to Ukraine for the dismantlement of "
        "strategic nuclear delivery systems, as stated in the April 1993 White House fact sheet.",
        "quantity": None,
        "unit": "",
        "value": "175000000.00",
        "currency": "USD",
        "start_date": None,
        "end_date": None,
        "status": "approved",
        "agreement": None,
        "program": "CTR",
        "source_url": "https://fas.org/nuke/control/ctr/news/ssd-kazk.htm",
        "source_text": "White House fact sheet, 4 Apr 1993 (Vancouver Summit): 'Ukraine. We have agreed to provide Ukraine "
        "at least $175 million' in Nunn-Lugar assistance.",
    },
    {
        "reference": "DEMO-EDCA-US-INFRA",
        "provider_nation": "USA",
        "recipient_nation": "PHL",
        "category": "funding",
        "description": "U.S. DoD infrastructure investment at the five original EDCA Agreed Locations (e.g. Basa Air Base "
        "runway, Mactan storage facilities).",
        "quantity": None,
        "unit": "",
        "value": "82000000.00",
        "currency": "USD",
        "start_date": None,
        "end_date": None,
        "status": "approved",
        "agreement": EDCA_TITLE,
        "program": "US-PH",
        "source_url": "https://thenationalpolicy.com/us-4-new-edca-sites-to-boost-interoperability-of-american-filipino-troops/",
        "source_text": "Pentagon statement (Apr 2023): the U.S. 'intends to expand funding on top of the $82 million we have "
        "already allocated toward infrastructure investments at the existing EDCA sites'.",
    },
    {
        "reference": "DEMO-EDCA-PHL-SITES-2016",
        "provider_nation": "PHL",
        "recipient_nation": "USA",
        "category": "facilities",
        "description": "Access for rotational U.S. forces to five Agreed Locations: Antonio Bautista Air Base (Palawan), Basa "
        "Air Base (Pampanga), Fort Magsaysay (Nueva Ecija), Lumbia Air Base (Cagayan de Oro) and "
        "Mactan-Benito Ebuen Air Base (Cebu).",
        "quantity": "5",
        "unit": "agreed locations",
        "value": None,
        "currency": "",
        "start_date": "2016-03-18",
        "end_date": None,
        "status": "in_progress",
        "agreement": EDCA_TITLE,
        "program": "US-PH",
        "source_url": "https://www.cnnphilippines.com/news/2016/03/19/edca-bases-philippines-us.html",
        "source_text": "CNN Philippines: the U.S. and the Philippines 'announced on Friday (March 18) the five Philippine "
        "military bases that will be utilized by American troops under the EDCA'.",
    },
    {
        "reference": "DEMO-EDCA-PHL-SITES-2023",
        "provider_nation": "PHL",
        "recipient_nation": "USA",
        "category": "facilities",
        "description": "Four additional Agreed Locations: Naval Base Camilo Osias (Santa Ana, Cagayan), Camp Melchor Dela Cruz "
        "(Gamu, Isabela), Balabac Island (Palawan) and Lal-lo Airport (Cagayan).",
        "quantity": "4",
        "unit": "agreed locations",
        "value": None,
        "currency": "",
        "start_date": "2023-04-03",
        "end_date": None,
        "status": "in_progress",
        "agreement": EDCA_TITLE,
        "program": "US-PH",
        "source_url": "https://www.dvidshub.net/audio/73523/philippines-and-us-announce-locations-four-new-enhanced-defense-cooperation-agreement-sites",
        "source_text": "DoD, 3 Apr 2023: 'The Philippines and the U.S. Announce Locations of Four New Enhanced Defense "
        "Cooperation Agreement Sites', following the February 2023 commitment.",
    },
    {
        "reference": "DEMO-AUKUS-VIRGINIA",
        "provider_nation": "USA",
        "recipient_nation": "AUS",
        "category": "equipment",
        "description": "Under the AUKUS Optimal Pathway the United States intends to sell three Virginia-class submarines "
        "to Australia in the 2030s, with the potential to sell up to two more if needed.",
        "quantity": "3",
        "unit": "submarines",
        "value": None,
        "currency": "",
        "start_date": "2023-03-13",
        "end_date": None,
        "status": "proposed",
        "agreement": AUKUS_2024_TITLE,
        "program": "AUKUS",
        "source_url": "https://www.defense.gov/News/Releases/Release/Article/3327747/statement-by-secretary-of-defense-lloyd-j-austin-iii-on-aukus-optimal-pathway-a/",
        "source_text": "Secretary Austin on the Optimal Pathway (announced in San Diego): 'the United States intends to sell "
        "three Virginia-class submarines to Australia in the 2030s, with the potential to sell up to two more'.",
    },
    {
        "reference": "DEMO-AUKUS-AUS-SIB-2025",
        "provider_nation": "AUS",
        "recipient_nation": "USA",
        "category": "funding",
        "description": "First US$500 million of Australia's US$3 billion contribution to the U.S. submarine industrial "
        "base, to help deliver Virginia-class submarines on time.",
        "quantity": None,
        "unit": "",
        "value": "500000000.00",
        "currency": "USD",
        "start_date": None,
        "end_date": None,
        "status": "completed",
        "agreement": None,
        "program": "AUKUS",
        "source_url": "https://news.usni.org/2025/02/10/secdef-white-house-supportive-of-aukus-australia-makes-500m-payment",
        "source_text": "USNI News, 10 Feb 2025: Hegseth 'welcomed Australia's $500 million contribution under AUKUS to the "
        "U.S. submarine industrial base'; 'the first part of a total of $3 billion'.",
    },
    {
        "reference": "DEMO-AUKUS-USN-NPTU",
        "provider_organization": "USN",
        "recipient_organization": "RAN",
        "category": "training",
        "description": "First three Royal Australian Navy officers complete the U.S. Navy Nuclear Power Training Unit course "
        "(begun July 2023, after Nuclear Power School) before Submarine Officer Basic Course.",
        "quantity": "3",
        "unit": "officers",
        "value": None,
        "currency": "",
        "start_date": None,
        "end_date": "2024-01-12",
        "status": "completed",
        "agreement": None,
        "program": "AUKUS",
        "source_url": "https://www.counton2.com/news/local-news/3-australian-navy-officers-graduate-nuclear-power-training-in-mount-pleasant/",
        "source_text": "WCBD, 12 Jan 2024: three RAN officers 'became the first RAN personnel to complete' the NPTU course "
        "in Mount Pleasant, S.C.",
    },
    {
        "reference": "DEMO-AUKUS-RN-REACTOR",
        "provider_organization": "RN",
        "recipient_organization": "RAN",
        "category": "training",
        "description": "First three Royal Australian Navy officers graduate from the Royal Navy's Nuclear Reactor Course at "
        "HMS Sultan, then deploy for practical training in UK Astute-class submarines.",
        "quantity": "3",
        "unit": "officers",
        "value": None,
        "currency": "",
        "start_date": None,
        "end_date": None,
        "status": "completed",
        "agreement": None,
        "program": "AUKUS",
        "source_url": "https://www.manmonthly.com.au/first-australian-navy-officers-assigned-to-uk-astute-class-submarines/",
        "source_text": "Manufacturers' Monthly, 12 Jul 2024: 'the first three Royal Australian Navy officers have graduated "
        "from the Royal Navy's Nuclear Reactor Course in the United Kingdom'.",
    },
]
