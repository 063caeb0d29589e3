"""Every question the engagement pages, the digest, the admin and exports ask, answered once."""
