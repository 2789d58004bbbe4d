# logs.read {log, component, offset, max_bytes, rolled}
#   -> {exists, path, size, encoding, offset, next_offset, data, rotated, previous}
# Finds a ConfigMgr log by its component's Tracing key, else the site's Logs folder, else
# <drive>:\SMS\Logs (a remote site system), and reads it with shared access (it is open for
# writing). Bytes travel as base64; offset -1 reads nothing and reports the size.
$log = [string]$p.log
if ($log -eq '' -or $log -eq '.' -or $log -eq '..' -or $log.IndexOfAny([char[]]@('\', '/')) -ge 0) { throw ("'{0}' is not a log file name" -f $log) }
$names = @($p.PSObject.Properties | ForEach-Object { $_.Name })
$component = if ($names -contains 'component') { [string]$p.component } else { '' }
$offset = if ($names -contains 'offset') { [int64]$p.offset } else { [int64]0 }
$max = if ($names -contains 'max_bytes') { [Math]::Max([int64]1, [int64]$p.max_bytes) } else { [int64]8388608 }
$rolled = ($names -contains 'rolled') -and [bool]$p.rolled
$candidates = New-Object System.Collections.Generic.List[string]
if ($component -ne '') {
  $tracing = Get-ItemProperty -Path ("HKLM:\SOFTWARE\Microsoft\SMS\Tracing\{0}" -f $component) -Name TraceFileName -ErrorAction SilentlyContinue
  if ($null -ne $tracing -and [string]$tracing.TraceFileName -ne '') {
    $candidates.Add([System.IO.Path]::Combine([System.IO.Path]::GetDirectoryName([string]$tracing.TraceFileName), $log))
  }
}
$setup = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\SMS\Setup' -Name 'Installation Directory' -ErrorAction SilentlyContinue
if ($null -ne $setup) { $candidates.Add([System.IO.Path]::Combine([string]$setup.'Installation Directory', 'Logs', $log)) }
foreach ($drive in [System.IO.DriveInfo]::GetDrives()) {
  if ($drive.DriveType -eq 'Fixed') { $candidates.Add([System.IO.Path]::Combine($drive.RootDirectory.FullName, 'SMS', 'Logs', $log)) }
}
$path = $null
foreach ($candidate in $candidates) {
  if (Test-Path -LiteralPath $candidate -PathType Leaf) { $path = $candidate; break }
}
if ($rolled -and $null -ne $path) { $path = [System.IO.Path]::ChangeExtension($path, '.lo_') }
$result = @{ exists = $false; path = ''; size = 0; encoding = 'utf-8'; offset = 0; next_offset = 0; data = ''; rotated = $false; previous = '' }
if ($null -eq $path -or -not (Test-Path -LiteralPath $path -PathType Leaf)) { return $result }

# Reads up to $count bytes of $file from $from, sharing the file with its writer.
function Read-Bytes([string]$file, [int64]$from, [int64]$count) {
  $stream = [System.IO.File]::Open($file, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, [System.IO.FileShare]'ReadWrite, Delete')
  try {
    $length = [Math]::Max([int64]0, [Math]::Min($count, $stream.Length - $from))
    $buffer = New-Object byte[] $length
    [void]$stream.Seek($from, [System.IO.SeekOrigin]::Begin)
    $read = 0
    while ($read -lt $length) {
      $n = $stream.Read($buffer, [int]$read, [int]($length - $read))
      if ($n -le 0) { break }
      $read += $n
    }
    if ($read -lt $length) {
      $trimmed = New-Object byte[] $read
      [Array]::Copy($buffer, $trimmed, $read)
      $buffer = $trimmed
    }
    return , $buffer
  } finally {
    $stream.Close()
  }
}

$size = (Get-Item -LiteralPath $path).Length
$head = Read-Bytes $path 0 2
$result.exists = $true
$result.path = $path
$result.size = $size
if ($head.Length -eq 2 -and $head[0] -eq 0xFF -and $head[1] -eq 0xFE) { $result.encoding = 'utf-16le' }
if ($offset -lt 0) {
  $result.offset = $size
  $result.next_offset = $size
  return $result
}
$from = $offset
if ($offset -gt $size) {
  # Rolled over since the last read: the rest of the old log is the .lo_ from the same offset.
  $result.rotated = $true
  $old = [System.IO.Path]::ChangeExtension($path, '.lo_')
  if (Test-Path -LiteralPath $old -PathType Leaf) { $result.previous = [Convert]::ToBase64String((Read-Bytes $old $offset $max)) }
  $from = 0
}
$bytes = Read-Bytes $path $from $max
$result.offset = $from
$result.next_offset = $from + $bytes.Length
$result.data = [Convert]::ToBase64String($bytes)
return $result
