"""Evidence packs: what the cooperative sends URSSAF when it asks (décret 2024-1161: answer
within 30 days), per client and year or per invoice, as one ZIP built in the background."""
