# expect: replace-scriptblock 3
# A script block substitution in -replace (PowerShell 6.1): 5.1 substitutes the script block's text.
$upper = $name -replace '^(\w)', { $_.Groups[1].Value.ToUpper() }
