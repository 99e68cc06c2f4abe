// The page a login opened from an expired form lands on: tell the form's tab to send again.
localStorage.setItem("bangfu:login", String(Date.now()));
