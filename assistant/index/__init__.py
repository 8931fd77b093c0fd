"""The index: passages cut and tagged, embedded and written as generations; reading one back."""
