# configmgr.get_site {code} -> {exists, code, type, parent, server, provider_site}: the site as this SMS Provider knows it,
# and the site this provider is for (a site is read through its own provider, a secondary through its parent's).
$local = [string](Get-SupctlProvider).SiteCode
$previous = Enter-SupctlSite $local
try {
  $code = ([string]$p.code).ToUpperInvariant()
  $site = Get-CMSite -SiteCode $code
  $result = @{ exists = $false; code = $code; type = $null; parent = $null; server = $null; provider_site = $local }
  if ($null -ne $site) {
    $types = @{ 1 = 'secondary'; 2 = 'primary'; 4 = 'cas' }
    $result.exists = $true
    $result.type = $types[[int]$site.Type]
    if ($site.ReportingSiteCode) { $result.parent = [string]$site.ReportingSiteCode }
    $result.server = [string]$site.ServerName
  }
} finally {
  Set-Location $previous
}
return $result
