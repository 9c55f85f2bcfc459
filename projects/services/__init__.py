"""Everything that writes projects, stages and approvals. Views, the API, the admin and tasks call these."""
