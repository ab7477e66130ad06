"""What the URSSAF e-mails (registration and payment requests) share.

They are sent with `clients.mail.send_templated_email`, the portal's one e-mail helper.
"""

# The client's own space at URSSAF, where they validate requests and manage their account.
URSSAF_PARTICULIER_URL = "https://www.particulier.urssaf.fr"
