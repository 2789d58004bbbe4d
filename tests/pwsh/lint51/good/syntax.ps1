# Look-alikes of the bad syntax samples that Windows PowerShell 5.1 parses and runs as written: no finding.
$text = 'a ?? b, ${x}?.y, a ? b : c, a && b || c, done &'
$doc = "escaped: `$x ? 1 : 2, `$y ?? 3, and a literal backtick then e: ``e, ``u{41}"
$raw = 'single quotes keep `e and `u{2191} as they are'
# $x ? 'yes' : 'no', $a ?? $b, ${a}?.b, clean { }, 0b101 and 1u in a comment
<# a block comment: Get-Error, $IsWindows, [semver], Join-Path a b c #>
$ordered = [ordered]@{ b = 2; a = 1 }
$number = '5' -as [int]
$isText = $number -is [string]
$options = @{ '?' = 'question'; '??' = 'two'; 'a?.b' = 3 }
$answer = $options['?']
${a?} = 1
$b = $a?.Length   # the variable 'a?' then .Length: 5.1 reads it the same way
$sum = 1.5d + 10L + 5kb + 0x1F + 1e3 + 2MB + -7
$mask = 5 -band 3 -bor 8 -shl 1
$u = [uint32]5
$s = [int16]1
$l = [uint64]2
$bytes = [byte[]]@(1, 2)
$list = New-Object 'System.Collections.Generic.List[string]'
$parts = 'a,b'.Split(',')
$words = 'a b'.Split()
$lines = "x`ny".Split("`n")
$pair = 'k=v'.Split('=', 2)
$swapped = 'ab' -replace '(a)(b)', '$2$1'
$tab = "tab`t and newline`n and bell`a"
enum Mode { Read; Write }
[Flags()] enum Access { None = 0; Read = 1; Write = 2 }
class Entry {
  [string]$Name
  hidden [int]$Size
  Entry([string]$name) { $this.Name = $name }
  static [Entry] Parse([string]$s) { return [Entry]::new($s) }
}
function Get-SupctlThing {
  [CmdletBinding()]
  param([Parameter(Mandatory)][ValidateNotNullOrEmpty()][string]$Name, [switch]$Force)
  begin { $all = @() }
  process { $all += $Name }
  end { $all }
}
$block = { param($x) $x * 2 }
$twice = & $block 2
. $block 3
$version = $PSVersionTable.PSVersion.Major
$fromEnv = $env:IsWindows
$first = if ($null -ne $list) { $list[0] } else { $null }
$result = foreach ($i in 1..3) { $i }
$joined = @('a', 'b') -join ', '
$full = [System.IO.Path]::Combine($env:ProgramFiles, 'Update Services')
$b64 = [Convert]::ToBase64String($bytes)
$pid2 = [System.Diagnostics.Process]::GetCurrentProcess().Id
$smaller = [math]::Min(1, 2)
$epoch = [DateTimeOffset]::FromUnixTimeSeconds(0)
$join = [string]::Join(',', @('a', 'b'))
function Set-Thing {
  param([ValidateRange(1, 10)][int]$Count, [ValidateSet('a', 'b')][string]$Name, [ValidateNotNullOrEmpty()][string]$Path)
}
