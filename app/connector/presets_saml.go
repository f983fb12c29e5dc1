package connector

// Placeholders in SAML preset Help steps, which the page fills in with the
// connection's own URLs.
const (
	PlaceholderACSURL      = "{acs_url}"
	PlaceholderEntityID    = "{entity_id}"
	PlaceholderMetadataURL = "{metadata_url}"
)

// samlPresets are the SAML 2.0 presets, "saml-custom" last. Their
// ClaimMapping names SAML attributes (an empty UserID means the NameID)
// and GroupsClaim the groups attribute, as each IdP sends them.
func samlPresets() []Preset {
	return []Preset{
		{
			ID: "saml-okta", Name: "Okta (SAML)", Protocol: ProtocolSAML,
			Help: []string{
				"In the Okta Admin Console, open Applications → Applications → Create App Integration and choose SAML 2.0.",
				"Paste {acs_url} as the Single sign-on URL and {entity_id} as the Audience URI (SP Entity ID); Name ID format EmailAddress, Application username Email.",
				"Under Attribute Statements add email ← user.email, firstName ← user.firstName, lastName ← user.lastName; under Group Attribute Statements add groups, filter Matches regex .*",
				"Assign the people or groups who may sign in, then on the Sign On tab copy the Metadata URL here.",
			},
			ClaimMapping: ClaimMapping{Email: "email", GivenName: "firstName", FamilyName: "lastName"},
			GroupsClaim:  "groups",
		},
		{
			ID: "saml-entra", Name: "Microsoft Entra ID / AD FS", Protocol: ProtocolSAML,
			Help: []string{
				"Entra ID: open Enterprise applications → New application → Create your own application (Non-gallery), then Single sign-on → SAML.",
				"Under Basic SAML Configuration, paste {entity_id} as the Identifier (Entity ID) and {acs_url} as the Reply URL (Assertion Consumer Service URL).",
				"Under Attributes & Claims keep the default claims; to send groups, Add a group claim (Security groups).",
				"Under SAML Certificates copy the App Federation Metadata Url here, and assign users and groups to the application.",
				"AD FS: add a Relying Party Trust by importing {metadata_url}, then add claim rules sending E-Mail Address, Given Name, Surname and Token-Groups; use https://<your-adfs-host>/FederationMetadata/2007-06/FederationMetadata.xml as the metadata URL.",
			},
			ClaimMapping: ClaimMapping{
				Email:      "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
				Name:       "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
				GivenName:  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
				FamilyName: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
			},
			GroupsClaim: "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
		},
		{
			ID: "saml-google", Name: "Google Workspace (SAML)", Protocol: ProtocolSAML,
			Help: []string{
				"In the Google Admin console, open Apps → Web and mobile apps → Add app → Add custom SAML app.",
				"On the Google Identity Provider details page, choose Download metadata and upload the file here.",
				"Paste {acs_url} as the ACS URL and {entity_id} as the Entity ID; Name ID format EMAIL, Name ID Basic Information > Primary email.",
				"Under Attribute mapping map Primary email → email, First name → firstName, Last name → lastName; under Group membership choose groups and the app attribute groups. Then turn the app on for your users.",
			},
			ClaimMapping: ClaimMapping{Email: "email", GivenName: "firstName", FamilyName: "lastName"},
			GroupsClaim:  "groups",
		},
		{
			ID: "saml-jumpcloud", Name: "JumpCloud (SAML)", Protocol: ProtocolSAML,
			Help: []string{
				"In the JumpCloud Admin Portal, open SSO Applications → + Add New Application → Custom Application and choose Manage Single Sign-On (SSO) with SAML.",
				"On the SSO tab, enter {entity_id} as the SP Entity ID and {acs_url} as the ACS URL; SAMLSubject NameID email.",
				"Under User Attributes add email ← email, firstName ← firstname, lastName ← lastname; tick Include group attribute named groups.",
				"Activate the application, assign user groups, then Export Metadata and upload the file here.",
			},
			ClaimMapping: ClaimMapping{Email: "email", GivenName: "firstName", FamilyName: "lastName"},
			GroupsClaim:  "groups",
		},
		{
			ID: "saml-duo", Name: "Duo (SAML)", Protocol: ProtocolSAML,
			Help: []string{
				"In the Duo Admin Panel, open Applications → Protect an Application, find Generic SAML Service Provider and click Protect.",
				"Under Service Provider, enter {entity_id} as the Entity ID and {acs_url} as the Assertion Consumer Service (ACS) URL; NameID format emailAddress.",
				"Under SAML Response map the attributes <Email Address> → email, <First Name> → firstName, <Last Name> → lastName; under Role attributes send groups as groups.",
				"Save, then copy the Metadata URL (or download the XML) from the Metadata section here.",
			},
			ClaimMapping: ClaimMapping{Email: "email", GivenName: "firstName", FamilyName: "lastName"},
			GroupsClaim:  "groups",
		},
		{
			ID: "saml-custom", Name: "Other SAML 2.0 provider", Protocol: ProtocolSAML,
			Help: []string{
				"Register a SAML 2.0 service provider: import {metadata_url}, or enter {entity_id} as its entity ID (audience) and {acs_url} as its ACS URL (HTTP-POST binding).",
				"Have it sign assertions with SHA-256 and send email, firstName, lastName and groups attributes, or map its attribute names under Advanced.",
				"Give its metadata URL or upload its metadata XML here; without metadata, enter its entity ID, single sign-on URL and signing certificate.",
			},
			ClaimMapping: ClaimMapping{Email: "email", GivenName: "firstName", FamilyName: "lastName"},
			GroupsClaim:  "groups",
		},
	}
}
